#!/usr/bin/env python3
"""The world stacks/wildcard-records.yaml looks up, in us-east-1, with its VPC found by the tag
Name=shop (the example names a literal VPC id an emulator cannot make): two tagged public
subnets in two AZs, two instances tagged App=shop Env=prod, the zone shop.example.net."""
import os

import boto3

kw = dict(endpoint_url=os.environ.get("AWS_ENDPOINT_URL"), region_name="us-east-1")
ec2, route53 = boto3.client("ec2", **kw), boto3.client("route53", **kw)
vpc = ec2.create_vpc(CidrBlock="10.30.0.0/16", TagSpecifications=[{"ResourceType": "vpc", "Tags": [{"Key": "Name", "Value": "shop"}]}])["Vpc"]["VpcId"]
for index, zone in enumerate("ab"):
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.30.{index}.0/24", AvailabilityZone=f"us-east-1{zone}",
                               TagSpecifications=[{"ResourceType": "subnet", "Tags": [{"Key": "Tier", "Value": "public"}, {"Key": "Env", "Value": "prod"}]}])["Subnet"]["SubnetId"]
    ec2.run_instances(ImageId="ami-12c6146b", MinCount=1, MaxCount=1, SubnetId=subnet,
                      TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "App", "Value": "shop"}, {"Key": "Env", "Value": "prod"}]}])
route53.create_hosted_zone(Name="shop.example.net", CallerReference="portico-shop")
