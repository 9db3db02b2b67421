#!/usr/bin/env python3
"""Creates the pre-existing world the example stacks look up, in an emulator (or any AWS
endpoint given by AWS_ENDPOINT_URL): a VPC tagged Name=main with two public subnets in two
AZs, two running instances tagged Role=web with their own ssh group, and the public hosted
zone askmeanything.com. Prints the ids as JSON. Idempotent: an existing world is reused."""
import json
import os
import sys

import boto3

REGION = os.environ.get("AWS_REGION", "ap-northeast-2")
ZONE = sys.argv[1] if len(sys.argv) > 1 else "askmeanything.com"


def client(name):
    return boto3.client(name, region_name=REGION, endpoint_url=os.environ.get("AWS_ENDPOINT_URL"))


ec2, route53 = client("ec2"), client("route53")

vpcs = ec2.describe_vpcs(Filters=[{"Name": "tag:Name", "Values": ["main"]}])["Vpcs"]
if vpcs:
    vpc = vpcs[0]["VpcId"]
else:
    vpc = ec2.create_vpc(CidrBlock="10.20.0.0/16", AmazonProvidedIpv6CidrBlock=True,
                         TagSpecifications=[{"ResourceType": "vpc", "Tags": [{"Key": "Name", "Value": "main"}]}])["Vpc"]["VpcId"]

subnets = ec2.describe_subnets(Filters=[{"Name": "tag:Tier", "Values": ["public"]}])["Subnets"]
if not subnets:
    for index, zone in enumerate(["a", "b"]):
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.20.{index + 1}.0/24", AvailabilityZone=f"{REGION}{zone}",
                          TagSpecifications=[{"ResourceType": "subnet", "Tags": [{"Key": "Tier", "Value": "public"}, {"Key": "Name", "Value": f"public-{zone}"}]}])
    subnets = ec2.describe_subnets(Filters=[{"Name": "tag:Tier", "Values": ["public"]}])["Subnets"]

groups = ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": ["ssh"]}, {"Name": "vpc-id", "Values": [vpc]}])["SecurityGroups"]
ssh = groups[0]["GroupId"] if groups else ec2.create_security_group(GroupName="ssh", Description="SSH from the office", VpcId=vpc)["GroupId"]

reservations = ec2.describe_instances(Filters=[{"Name": "tag:Role", "Values": ["web"]}, {"Name": "instance-state-name", "Values": ["running"]}])["Reservations"]
instances = [i["InstanceId"] for r in reservations for i in r["Instances"]]
if not instances:
    for subnet in subnets[:2]:
        created = ec2.run_instances(ImageId="ami-12c6146b", InstanceType="t3.micro", MinCount=1, MaxCount=1, SubnetId=subnet["SubnetId"],
                                    SecurityGroupIds=[ssh],
                                    TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "Role", "Value": "web"}]}])
        instances.append(created["Instances"][0]["InstanceId"])

zones = [z for z in route53.list_hosted_zones_by_name(DNSName=ZONE)["HostedZones"] if z["Name"] == ZONE + "."]
zone = zones[0]["Id"].split("/")[-1] if zones else route53.create_hosted_zone(Name=ZONE, CallerReference=f"portico-demo-{ZONE}")["HostedZone"]["Id"].split("/")[-1]

print(json.dumps({"vpc": vpc, "subnets": sorted(s["SubnetId"] for s in subnets), "ssh_group": ssh,
                  "instances": sorted(instances), "zone": zone}, indent=2))
