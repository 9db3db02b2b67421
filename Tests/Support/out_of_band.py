#!/usr/bin/env python3
"""Changes the example stack's resources behind Portico's back, with boto3, the way a person in
the console would. Usage: out_of_band.py STACK CHANGE, where CHANGE is one of:
  revoke-ingress   remove 'tcp 80 from 0.0.0.0/0' from the group tagged portico:resource=alb-sg
  health-path      set the target group's health check path to /changed-in-console
  http-forward     switch the HTTP:80 listener from redirect to forward to the target group
  delete-alias     delete the A and AAAA alias records of the zone's apex (the ownership TXT stays)
  lock HOLDER      write a lock record as if an apply by HOLDER had died holding it"""
import os
import sys

import boto3

stack, change = sys.argv[1], sys.argv[2]
region = os.environ.get("AWS_REGION", "ap-northeast-2")


def client(name):
    return boto3.client(name, region_name=region, endpoint_url=os.environ.get("AWS_ENDPOINT_URL"))


ec2, elb, r53 = client("ec2"), client("elbv2"), client("route53")


def owned_elb(kind):
    items = elb.describe_load_balancers()["LoadBalancers"] if kind == "lb" else elb.describe_target_groups()["TargetGroups"]
    key = "LoadBalancerArn" if kind == "lb" else "TargetGroupArn"
    arns = [x[key] for x in items]
    for d in elb.describe_tags(ResourceArns=arns)["TagDescriptions"] if arns else []:
        if {t["Key"]: t["Value"] for t in d["Tags"]}.get("portico:stack") == stack:
            return d["ResourceArn"]
    sys.exit(f"no {kind} of stack {stack}")


def zone_id():
    return r53.list_hosted_zones_by_name(DNSName="askmeanything.com")["HostedZones"][0]["Id"]


if change == "revoke-ingress":
    groups = ec2.describe_security_groups(Filters=[{"Name": "tag:portico:stack", "Values": [stack]}, {"Name": "tag:portico:resource", "Values": ["alb-sg"]}])
    group = groups["SecurityGroups"][0]["GroupId"]
    ec2.revoke_security_group_ingress(GroupId=group, IpPermissions=[{"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
elif change == "health-path":
    elb.modify_target_group(TargetGroupArn=owned_elb("tg"), HealthCheckPath="/changed-in-console")
elif change == "http-forward":
    listener = [l for l in elb.describe_listeners(LoadBalancerArn=owned_elb("lb"))["Listeners"] if l["Port"] == 80][0]
    elb.modify_listener(ListenerArn=listener["ListenerArn"], DefaultActions=[{"Type": "forward", "TargetGroupArn": owned_elb("tg")}])
elif change == "delete-alias":
    zone = zone_id()
    sets = [s for s in r53.list_resource_record_sets(HostedZoneId=zone)["ResourceRecordSets"]
            if s["Name"] == "askmeanything.com." and s["Type"] in ("A", "AAAA") and "AliasTarget" in s]
    r53.change_resource_record_sets(HostedZoneId=zone, ChangeBatch={"Changes": [{"Action": "DELETE", "ResourceRecordSet": s} for s in sets]})
elif change == "lock":
    value = f'"portico-lock run=deadbeef command=apply since=2026-01-02T03:04:05Z host=ci-runner-7:4242 who={sys.argv[3]}"'
    r53.change_resource_record_sets(HostedZoneId=zone_id(), ChangeBatch={"Changes": [{"Action": "CREATE", "ResourceRecordSet": {
        "Name": f"_portico-lock.{stack}.askmeanything.com.", "Type": "TXT", "TTL": 60, "ResourceRecords": [{"Value": value}]}}]})
else:
    sys.exit(f"unknown change {change}")
