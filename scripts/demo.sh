#!/usr/bin/env bash
# The main job, end to end, against moto on a free loopback port: build the pre-existing world
# the example stack looks up, then validate, plan, apply, plan again (no changes), drift (in
# sync, then a change made behind Portico's back), a saved plan that puts it back, destroy.
# The emulator is stopped however the script ends.
set -euo pipefail
cd "$(dirname "$0")/.."

PORTICO=${PORTICO:-.build/debug/portico}
STACK=${1:-stacks/askmeanything.yaml}
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
STATE=$(mktemp -d)
# Certificates turn ISSUED a second after they are asked for (real ACM waits for the DNS records).
MOTO_ACM_VALIDATION_WAIT=1 moto_server -H 127.0.0.1 -p "$PORT" >"$STATE/moto.log" 2>&1 &
MOTO_PID=$!
trap 'kill "$MOTO_PID" 2>/dev/null || true; rm -rf "$STATE"' EXIT
for _ in $(seq 50); do
  curl -s -o /dev/null "http://127.0.0.1:$PORT/" && break
  sleep 0.2
done

export AWS_ENDPOINT_URL="http://127.0.0.1:$PORT" AWS_ACCESS_KEY_ID=demo AWS_SECRET_ACCESS_KEY=demo
export AWS_REGION=ap-northeast-2 AWS_DEFAULT_REGION=ap-northeast-2 AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "moto on 127.0.0.1:$PORT; creating the world the stack looks up (VPC, 2 subnets, 2 web servers, hosted zone)"
python3 Tests/Support/demo_world.py

step "portico validate $STACK"
"$PORTICO" validate "$STACK"

step "portico plan $STACK"
"$PORTICO" plan "$STACK"

step "portico apply --auto-approve $STACK"
"$PORTICO" apply --auto-approve --poll-seconds 1 "$STACK"

step "portico plan --detailed-exitcode $STACK   (after apply: nothing to do, exit 0)"
"$PORTICO" plan --detailed-exitcode "$STACK"

step "portico drift $STACK   (read-only: in sync, exit 0)"
"$PORTICO" drift "$STACK"

step "someone changes the health check path in the console (AWS CLI); portico drift says so (exit 2)"
TG=$(aws elbv2 describe-target-groups --query 'TargetGroups[0].TargetGroupArn' --output text 2>/dev/null || true)
if [ -n "$TG" ] && [ "$TG" != None ]; then
  aws elbv2 modify-target-group --target-group-arn "$TG" --health-check-path /changed-in-console >/dev/null
else
  python3 Tests/Support/out_of_band.py askmeanything health-path
fi
set +e
"$PORTICO" drift "$STACK"
code=$?
set -e
[ "$code" = 2 ] || { echo "expected drift (exit 2), got $code" >&2; exit 1; }

step "portico plan --out plan.json, then portico apply plan.json (the reviewed plan puts it back)"
"$PORTICO" plan --out "$STATE/plan.json" "$STACK"
"$PORTICO" apply --poll-seconds 1 "$STATE/plan.json"
"$PORTICO" drift "$STACK"

step "what AWS says now (read independently of Portico)"
if command -v aws >/dev/null 2>&1; then
  LB=$(aws elbv2 describe-load-balancers --query 'LoadBalancers[0].LoadBalancerArn' --output text)
  aws elbv2 describe-listeners --load-balancer-arn "$LB" \
    --query 'Listeners[].{port:Port,protocol:Protocol,policy:SslPolicy,action:DefaultActions[0].Type}' --output table
  ZONE=$(aws route53 list-hosted-zones-by-name --dns-name askmeanything.com --query 'HostedZones[0].Id' --output text)
  aws route53 list-resource-record-sets --hosted-zone-id "$ZONE" \
    --query 'ResourceRecordSets[?Type!=`NS` && Type!=`SOA`].{name:Name,type:Type,alias:AliasTarget.DNSName}' --output table
else
  python3 Tests/Support/read_world.py askmeanything askmeanything.com
fi

step "portico destroy --auto-approve $STACK"
"$PORTICO" destroy --auto-approve --poll-seconds 1 "$STACK"

step "portico plan $STACK   (after destroy: everything to add again)"
"$PORTICO" plan "$STACK"
