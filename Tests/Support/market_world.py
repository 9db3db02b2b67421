#!/usr/bin/env python3
"""The world stacks/multi-service.yaml looks up, in eu-west-1: the VPC tagged Name=market, two
public subnets in two AZs, one instance for each role (api, web, web-canary, static), the zone
market.example.org. Prints the ids it made as JSON."""
import json, os

import boto3

kw = dict(endpoint_url=os.environ.get("AWS_ENDPOINT_URL"), region_name="eu-west-1")
ec2, route53 = boto3.client("ec2", **kw), boto3.client("route53", **kw)
vpc = ec2.create_vpc(CidrBlock="10.40.0.0/16", TagSpecifications=[{"ResourceType": "vpc", "Tags": [{"Key": "Name", "Value": "market"}]}])["Vpc"]["VpcId"]
subnets, instances = [], {}
for index, zone in enumerate("ab"):
    subnets.append(ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.40.{index}.0/24", AvailabilityZone=f"eu-west-1{zone}",
                                     TagSpecifications=[{"ResourceType": "subnet", "Tags": [{"Key": "Tier", "Value": "public"}]}])["Subnet"]["SubnetId"])
for role in ["api", "web", "web-canary", "static"]:
    made = ec2.run_instances(ImageId="ami-12c6146b", MinCount=1, MaxCount=1, SubnetId=subnets[0],
                             TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "Role", "Value": role}]}])
    instances[role] = made["Instances"][0]["InstanceId"]
zone = route53.create_hosted_zone(Name="market.example.org", CallerReference="portico-market")["HostedZone"]["Id"].split("/")[-1]
print(json.dumps({"vpc": vpc, "subnets": subnets, "instances": instances, "zone": zone}))
