#!/usr/bin/env python3
"""Creates, through boto3 (independent of Portico), the IAM users the signature tests use, in the
first calls to a moto server started with INITIAL_NO_AUTH_ACTION_COUNT=4. Prints their keys as JSON."""
import json, sys
import boto3

endpoint = sys.argv[1]
iam = boto3.client("iam", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing")
allow_all = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
keys = {}
for user in ["portico-admin", "portico-readonly-no-elb"]:
    iam.create_user(UserName=user)
    key = iam.create_access_key(UserName=user)["AccessKey"]
    keys[user] = {"id": key["AccessKeyId"], "secret": key["SecretAccessKey"]}
# One policy call: only the admin may do everything; the other user has no policy at all.
iam.put_user_policy(UserName="portico-admin", PolicyName="all", PolicyDocument=json.dumps(allow_all))
print(json.dumps(keys))
