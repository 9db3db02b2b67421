#!/usr/bin/env python3
"""Reads AWS with boto3, independently of Portico, and prints what a test checks as JSON:
everything tagged portico:stack=STACK, the instances' groups, and the zone's records.
Usage: read_world.py STACK ZONE_NAME"""
import json
import os
import sys

import boto3

stack, zone_name = sys.argv[1], sys.argv[2]
region = os.environ.get("AWS_REGION", "ap-northeast-2")


def client(name):
    return boto3.client(name, region_name=region, endpoint_url=os.environ.get("AWS_ENDPOINT_URL"))


ec2, elb, acm, r53 = client("ec2"), client("elbv2"), client("acm"), client("route53")


def tags_of(arns):
    out = {}
    for i in range(0, len(arns), 20):
        for d in elb.describe_tags(ResourceArns=arns[i:i + 20])["TagDescriptions"]:
            out[d["ResourceArn"]] = {t["Key"]: t["Value"] for t in d["Tags"]}
    return out


def owned(tags):
    return tags.get("portico:stack") == stack


lbs = elb.describe_load_balancers()["LoadBalancers"]
tgs = elb.describe_target_groups()["TargetGroups"]
tags = tags_of([x["LoadBalancerArn"] for x in lbs] + [x["TargetGroupArn"] for x in tgs])

groups = ec2.describe_security_groups()["SecurityGroups"]
group_names = {g["GroupId"]: g["GroupName"] for g in groups}


def rules(group):
    out = []
    for p in group["IpPermissions"]:
        ports = "all" if p["IpProtocol"] == "-1" else f'{p["IpProtocol"]} {p.get("FromPort")}-{p.get("ToPort")}'
        for r in p.get("IpRanges", []):
            out.append(f'{ports} from {r["CidrIp"]}')
        for r in p.get("Ipv6Ranges", []):
            out.append(f'{ports} from {r["CidrIpv6"]}')
        for r in p.get("UserIdGroupPairs", []):
            out.append(f'{ports} from {group_names.get(r["GroupId"], r["GroupId"])}')
    return sorted(out)


world = {"load_balancers": [], "target_groups": [], "security_groups": [], "certificates": [], "instances": {}, "records": []}
for lb in lbs:
    t = tags.get(lb["LoadBalancerArn"], {})
    if not owned(t):
        continue
    listeners = []
    for l in elb.describe_listeners(LoadBalancerArn=lb["LoadBalancerArn"])["Listeners"]:
        a = l["DefaultActions"][0]
        listeners.append({"port": l["Port"], "protocol": l["Protocol"], "ssl_policy": l.get("SslPolicy") if l["Protocol"] == "HTTPS" else None,
                          "certificates": [c["CertificateArn"] for c in l.get("Certificates", [])], "type": a["Type"],
                          "target_group": a.get("TargetGroupArn"), "redirect": a.get("RedirectConfig")})
    attributes = {a["Key"]: a["Value"] for a in elb.describe_load_balancer_attributes(LoadBalancerArn=lb["LoadBalancerArn"])["Attributes"]}
    world["load_balancers"].append({"arn": lb["LoadBalancerArn"], "name": lb["LoadBalancerName"], "dns": lb["DNSName"], "zone_id": lb["CanonicalHostedZoneId"],
                                    "scheme": lb["Scheme"], "ip_address_type": lb["IpAddressType"], "subnets": sorted(z["SubnetId"] for z in lb["AvailabilityZones"]),
                                    "security_groups": sorted(group_names.get(g, g) for g in lb.get("SecurityGroups", [])), "tags": t,
                                    "deletion_protection": attributes.get("deletion_protection.enabled"), "listeners": sorted(listeners, key=lambda x: x["port"])})
for tg in tgs:
    t = tags.get(tg["TargetGroupArn"], {})
    if not owned(t):
        continue
    targets = sorted(d["Target"]["Id"] for d in elb.describe_target_health(TargetGroupArn=tg["TargetGroupArn"])["TargetHealthDescriptions"])
    world["target_groups"].append({"arn": tg["TargetGroupArn"], "name": tg["TargetGroupName"], "port": tg["Port"], "protocol": tg["Protocol"],
                                   "vpc": tg["VpcId"], "health_check_path": tg.get("HealthCheckPath"), "matcher": tg.get("Matcher", {}).get("HttpCode"),
                                   "targets": targets, "tags": t})
for g in groups:
    t = {x["Key"]: x["Value"] for x in g.get("Tags", [])}
    if owned(t):
        world["security_groups"].append({"id": g["GroupId"], "name": g["GroupName"], "vpc": g["VpcId"], "description": g["Description"], "rules": rules(g), "tags": t})
for summary in acm.list_certificates(Includes={"keyTypes": ["RSA_2048", "EC_prime256v1", "EC_secp384r1"]})["CertificateSummaryList"]:
    arn = summary["CertificateArn"]
    t = {x["Key"]: x["Value"] for x in acm.list_tags_for_certificate(CertificateArn=arn).get("Tags", [])}
    if owned(t):
        c = acm.describe_certificate(CertificateArn=arn)["Certificate"]
        world["certificates"].append({"arn": arn, "domain": c["DomainName"], "names": sorted(c["SubjectAlternativeNames"]), "status": c["Status"], "tags": t,
                                      "validation": sorted({o["ResourceRecord"]["Name"] for o in c.get("DomainValidationOptions", []) if "ResourceRecord" in o})})
for r in ec2.describe_instances()["Reservations"]:
    for i in r["Instances"]:
        if i["State"]["Name"] == "terminated":
            continue
        primary = [n for n in i.get("NetworkInterfaces", []) if n.get("Attachment", {}).get("DeviceIndex") == 0]
        ids = [g["GroupId"] for g in (primary[0]["Groups"] if primary and primary[0]["Groups"] else i["SecurityGroups"])]
        world["instances"][i["InstanceId"]] = sorted(group_names.get(g, g) for g in ids)
zones = [z for z in r53.list_hosted_zones_by_name(DNSName=zone_name)["HostedZones"] if z["Name"] == zone_name + "."]
if zones:
    for rr in r53.list_resource_record_sets(HostedZoneId=zones[0]["Id"])["ResourceRecordSets"]:
        world["records"].append({"name": rr["Name"], "type": rr["Type"], "alias": (rr.get("AliasTarget") or {}).get("DNSName"),
                                 "alias_zone": (rr.get("AliasTarget") or {}).get("HostedZoneId"), "values": [x["Value"] for x in rr.get("ResourceRecords", [])]})
world["vpcs"] = sorted(v["VpcId"] for v in ec2.describe_vpcs()["Vpcs"])
world["subnets"] = sorted(s["SubnetId"] for s in ec2.describe_subnets()["Subnets"])
print(json.dumps(world, indent=1, sort_keys=True))
