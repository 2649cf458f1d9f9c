"""Checks moto_serialize.py against moto's own serializer: every answer must be the same bytes.

One moto (in-process) is filled with resources of each protocol the controller speaks: RDS and
CloudFormation (query XML; DBInstance's members found by prefix, CloudFormation's by explicit
alias), EC2 (its own query XML), Route 53 (REST XML), CloudWatch (query-compatible JSON) and Logs
(JSON). Each read is answered by moto's serializer, then by the patched one, from the same state;
the bodies must be equal but for the request id (and what moto answers as "now"). Before that, the
XML writer and xmltodict.unparse write the same random documents (escaping, attributes, empty and
short elements, lists, None, booleans, bytes). Prints the two serializers' times. Exits 1 on the
first difference. Run by test/integration/moto-serialize.test.ts.
"""

import json
import random
import re
import sys
import time

import boto3
import xmltodict
from moto import mock_aws

import moto_serialize

REGION = "us-east-1"
# What differs between two reads of the same state: the request id, and RDS's latest restorable
# time (moto answers "now").
VOLATILE = re.compile(r"(<RequestId>|<requestId>|\"RequestId\":\s*\"|<LatestRestorableTime>)[^<\"]*")
TEMPLATE = {"Resources": {"Topic": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": "t"}}}, "Outputs": {"Name": {"Value": "x"}}}


def fill():
    rds = boto3.client("rds", region_name=REGION)
    west = boto3.client("rds", region_name="us-west-2")
    created = rds.create_db_instance(
        DBInstanceIdentifier="db1",
        Engine="postgres",
        DBInstanceClass="db.t3.micro",
        AllocatedStorage=20,
        MasterUsername="u",
        MasterUserPassword="passwordpassword",
        BackupRetentionPeriod=1,
        Tags=[{"Key": "a", "Value": "1"}, {"Key": "multiregion.dev/owner", "Value": "x"}],
    )
    arn = created["DBInstance"]["DBInstanceArn"]
    west.create_db_instance_read_replica(DBInstanceIdentifier="db1-replica", SourceDBInstanceIdentifier=arn)
    rds.modify_db_instance(DBInstanceIdentifier="db1", ApplyImmediately=True, VpcSecurityGroupIds=["sg-12345678"])
    ec2 = boto3.client("ec2", region_name=REGION)
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16", TagSpecifications=[{"ResourceType": "vpc", "Tags": [{"Key": "Name", "Value": "v"}]}])["Vpc"]["VpcId"]
    ec2.create_security_group(GroupName="deny", Description="d", VpcId=vpc)
    ec2.create_transit_gateway(Description="tgw")
    r53 = boto3.client("route53", region_name=REGION)
    r53.create_hosted_zone(Name="example.com", CallerReference="z")
    r53.create_health_check(
        CallerReference="h", HealthCheckConfig={"Type": "HTTPS", "FullyQualifiedDomainName": "a.example.com", "Port": 443, "ResourcePath": "/"}
    )
    cw = boto3.client("cloudwatch", region_name=REGION)
    cw.put_metric_alarm(
        AlarmName="al", MetricName="m", Namespace="n", Statistic="Average", Period=60, EvaluationPeriods=1, Threshold=1, ComparisonOperator="GreaterThanThreshold"
    )
    logs = boto3.client("logs", region_name=REGION)
    logs.create_log_group(logGroupName="g", tags={"k": "v"})
    cfn = boto3.client("cloudformation", region_name=REGION)
    cfn.create_stack(StackName="s", TemplateBody=json.dumps(TEMPLATE), Tags=[{"Key": "k", "Value": "v"}])
    clients = [rds, west, ec2, r53, cw, logs, cfn]
    return clients, {
        "rds-east": lambda: rds.describe_db_instances(),
        "rds-west": lambda: west.describe_db_instances(),
        "rds-tags": lambda: rds.list_tags_for_resource(ResourceName=arn),
        "rds-modify": lambda: rds.modify_db_instance(DBInstanceIdentifier="db1", ApplyImmediately=True, VpcSecurityGroupIds=["sg-12345678"]),
        "ec2-vpcs": lambda: ec2.describe_vpcs(),
        "ec2-groups": lambda: ec2.describe_security_groups(),
        "ec2-tgws": lambda: ec2.describe_transit_gateways(),
        "route53-zones": lambda: r53.list_hosted_zones(),
        "route53-checks": lambda: r53.list_health_checks(),
        "cloudwatch-alarms": lambda: cw.describe_alarms(),
        "logs-groups": lambda: logs.describe_log_groups(),
        "cloudformation-stacks": lambda: cfn.describe_stacks(),
        "cloudformation-resources": lambda: cfn.describe_stack_resources(StackName="s"),
    }


def bodies(reads, rounds, seen):
    started = time.perf_counter()
    out = {}
    for _ in range(rounds):
        for name, read in reads.items():
            read()
            out[name] = VOLATILE.sub(r"\1", seen["body"].decode("utf8"))
    return out, time.perf_counter() - started


NAMES = ["A", "Member", "DBInstance", "x-y", "a.b", "item"]
TEXTS = ["", "plain", "a & b", "<tag>", 'say "hi"', "it's", "tab\tnew\nline", "ünï", "]]>"]


def random_value(rng, depth):
    kind = rng.randrange(9 if depth < 4 else 5)
    if kind == 0:
        return None
    if kind == 1:
        return rng.choice(TEXTS)
    if kind == 2:
        return rng.choice([True, False, 0, 7, -3, 2.5])
    if kind == 3:
        return b"bytes & more"
    if kind == 4:
        return []
    if kind in (5, 6):
        element = {}
        for _ in range(rng.randrange(4)):
            element[rng.choice(NAMES)] = random_value(rng, depth + 1)
        if rng.random() < 0.3:
            element["@" + rng.choice(["id", "xmlns", "k"])] = rng.choice(TEXTS + [None, 3, True])
        if rng.random() < 0.3:
            element["#text"] = rng.choice(TEXTS + [None, 5])
        return element
    return [random_value(rng, depth + 1) for _ in range(rng.randrange(1, 4))]


def unparse_cases(seed, count):
    """The writer against xmltodict.unparse on random documents, for each option the serializers pass."""
    rng = random.Random(seed)
    for case in range(count):
        body = {rng.choice(NAMES): random_value(rng, 0)}
        for full_document in (False, True):
            for short in (False, True):
                try:
                    want = xmltodict.unparse(body, full_document=full_document, short_empty_elements=short)
                except ValueError as refused:
                    want = f"refused: {refused}"
                try:
                    got = moto_serialize.unparse(body, full_document, short)
                except moto_serialize.Unusual:
                    # Left to xmltodict: right where it refuses, or for a document whose root is no
                    # structure (no answer's is); an answer's structure must be written here.
                    structure = isinstance(next(iter(body.values())), dict)
                    got = "left to xmltodict" if structure and not want.startswith("refused") else want
                if got != want:
                    print(f"case {case} full_document={full_document} short={short}: {body!r}\nxmltodict: {want}\nwritten:   {got}")
                    return False
    return True


def main():
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    if not unparse_cases(seed=rounds, count=300):
        return 1
    with mock_aws():
        clients, reads = fill()
        seen = {}

        def keep(http_response, **_):
            seen["body"] = http_response.content

        for client in clients:
            client.meta.events.register("after-call", keep)
        before, moto_s = bodies(reads, rounds, seen)
        moto_serialize.install()  # for the rest of this process, which ends with the comparison
        after, patched_s = bodies(reads, rounds, seen)
    for name in reads:
        if before[name] != after[name]:
            print(f"{name}: answers differ\nmoto:    {before[name][:2000]}\npatched: {after[name][:2000]}")
            return 1
        if len(before[name]) < 80:
            print(f"{name}: answer too short to compare: {before[name]}")
            return 1
    print(f"{len(reads)} answers equal; 300 random documents written as xmltodict writes them; {rounds} rounds: moto {moto_s:.2f} s, patched {patched_s:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
