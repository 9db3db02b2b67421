#!/usr/bin/env python3
"""Everything in the account that a stack could have made, read with boto3 (not Portico) and
written without the ids AWS picks, so two runs that should end alike compare equal as JSON:
all security groups, target groups, load balancers with their listeners, certificates, the
instances' groups and every record in the zone. Nothing is filtered by tag: an untagged
orphan or a second copy of a resource shows up as a difference.
Usage: census.py ZONE_NAME   (AWS_ENDPOINT_URL and AWS_REGION from the environment)"""
import json, os, re, sys

import boto3

zone_name = sys.argv[1].rstrip(".") + "."
region = os.environ.get("AWS_REGION", "ap-northeast-2")


def client(name):
    return boto3.client(name, region_name=region, endpoint_url=os.environ.get("AWS_ENDPOINT_URL"))


ec2, elb, acm, r53 = client("ec2"), client("elbv2"), client("acm"), client("route53")


def plain_tags(tags):
    """Tags without Portico's applied records, which carry the time of the run."""
    return {k: v for k, v in sorted(tags.items()) if not k.startswith("portico:applied")}


groups = ec2.describe_security_groups()["SecurityGroups"]
group_name = {g["GroupId"]: g["GroupName"] for g in groups}
certificates = [acm.describe_certificate(CertificateArn=c["CertificateArn"])["Certificate"]
                for c in acm.list_certificates(Includes={"keyTypes": ["RSA_2048", "EC_prime256v1", "EC_secp384r1"]})["CertificateSummaryList"]]
certificate_name = {c["CertificateArn"]: c["DomainName"] for c in certificates}
lbs = elb.describe_load_balancers()["LoadBalancers"]
tgs = elb.describe_target_groups()["TargetGroups"]
tg_name = {t["TargetGroupArn"]: t["TargetGroupName"] for t in tgs}
arns = [x["LoadBalancerArn"] for x in lbs] + [x["TargetGroupArn"] for x in tgs]
tags = {}
for i in range(0, len(arns), 20):
    for d in elb.describe_tags(ResourceArns=arns[i:i + 20])["TagDescriptions"]:
        tags[d["ResourceArn"]] = {t["Key"]: t["Value"] for t in d["Tags"]}
dns_name = {lb["DNSName"].lower().rstrip("."): lb["LoadBalancerName"] for lb in lbs}


def rules(group):
    out = []
    for p in group["IpPermissions"]:
        ports = "all" if p["IpProtocol"] == "-1" else f'{p["IpProtocol"]} {p.get("FromPort")}-{p.get("ToPort")}'
        out += [f'{ports} from {r["CidrIp"]}' for r in p.get("IpRanges", [])]
        out += [f'{ports} from {r["CidrIpv6"]}' for r in p.get("Ipv6Ranges", [])]
        out += [f'{ports} from group {group_name.get(r["GroupId"], "?")}' for r in p.get("UserIdGroupPairs", [])]
    return sorted(out)


def action(actions):
    out = []
    for a in actions:
        if a["Type"] == "forward":
            target = a.get("TargetGroupArn") or a.get("ForwardConfig", {}).get("TargetGroups", [{}])[0].get("TargetGroupArn")
            out.append(f"forward {tg_name.get(target, '?')}")
        elif a["Type"] == "redirect":
            c = a["RedirectConfig"]
            out.append(f'redirect {c.get("Protocol")}:{c.get("Port")} {c.get("StatusCode")}')
        else:
            out.append(a["Type"])
    return out


census = {
    "security_groups": sorted(
        ({"name": g["GroupName"], "description": g["Description"], "rules": rules(g), "tags": plain_tags({t["Key"]: t["Value"] for t in g.get("Tags", [])})}
         for g in groups), key=lambda g: (g["name"], json.dumps(g, sort_keys=True))),
    "instances": sorted(
        sorted(group_name.get(g["GroupId"], "?") for g in i["SecurityGroups"])
        for r in ec2.describe_instances()["Reservations"] for i in r["Instances"] if i["State"]["Name"] != "terminated"),
    "target_groups": sorted(
        ({"name": t["TargetGroupName"], "port": t["Port"], "protocol": t["Protocol"], "health_path": t.get("HealthCheckPath"),
          "targets": len(elb.describe_target_health(TargetGroupArn=t["TargetGroupArn"])["TargetHealthDescriptions"]),
          "tags": plain_tags(tags.get(t["TargetGroupArn"], {}))} for t in tgs), key=lambda t: t["name"]),
    "load_balancers": sorted(
        ({"name": lb["LoadBalancerName"], "scheme": lb["Scheme"], "ip_address_type": lb["IpAddressType"],
          "security_groups": sorted(group_name.get(g, "?") for g in lb.get("SecurityGroups", [])),
          "tags": plain_tags(tags.get(lb["LoadBalancerArn"], {})),
          "listeners": sorted(
              ({"port": l["Port"], "protocol": l["Protocol"], "ssl_policy": l.get("SslPolicy"), "action": action(l["DefaultActions"]),
                "certificates": sorted(certificate_name.get(c["CertificateArn"], "?") for c in l.get("Certificates", []))}
               for l in elb.describe_listeners(LoadBalancerArn=lb["LoadBalancerArn"])["Listeners"]), key=lambda l: l["port"])}
         for lb in lbs), key=lambda lb: lb["name"]),
    "certificates": sorted(
        ({"domain": c["DomainName"], "names": sorted(c.get("SubjectAlternativeNames", [])), "status": c["Status"],
          "tags": plain_tags({t["Key"]: t["Value"] for t in acm.list_tags_for_certificate(CertificateArn=c["CertificateArn"]).get("Tags", [])})}
         for c in certificates), key=lambda c: json.dumps(c, sort_keys=True)),
}

records = []
zones = [z for z in r53.list_hosted_zones()["HostedZones"] if z["Name"] == zone_name]
for zone in zones:
    for r in r53.list_resource_record_sets(HostedZoneId=zone["Id"])["ResourceRecordSets"]:
        if r["Type"] in ("SOA", "NS"):
            continue
        name = r["Name"]
        if r["Type"] == "CNAME" and name.startswith("_"):
            name = "_validation." + name.split(".", 1)[1]  # ACM picks the first label
        entry = {"name": name, "type": r["Type"]}
        if "AliasTarget" in r:
            target = r["AliasTarget"]["DNSName"].lower().rstrip(".")
            bare = target[len("dualstack."):] if target.startswith("dualstack.") else target
            entry["alias"] = ("dualstack." if target.startswith("dualstack.") else "") + dns_name.get(bare, target)
        else:
            values = [v["Value"] for v in r.get("ResourceRecords", [])]
            values = [re.sub(r",?portico/applied=[^,\"\s]+", "", v) for v in values]
            entry["values"] = sorted("<validation target>" if r["Type"] == "CNAME" else v for v in values)
        records.append(entry)
census["records"] = sorted(records, key=lambda r: json.dumps(r, sort_keys=True))
print(json.dumps(census, indent=1, sort_keys=True))
