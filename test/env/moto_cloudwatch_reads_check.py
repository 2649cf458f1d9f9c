"""Checks moto_cloudwatch_reads.py against moto's own GetMetricData on random data.

Random datapoints (two namespaces, three names, zero to two dimensions, units, timestamps with
microseconds) and random MetricStat queries (every statistic, periods that do and do not divide
the window, one or two dimensions, a unit, ReturnData, labels, both scan orders) go to both
implementations of one backend; every answer must be equal. Prints the two run times. Exits 1 on
the first difference. Run by test/integration/moto-cloudwatch-reads.test.ts.
"""

import random
import sys
import time
from datetime import datetime, timedelta, timezone

from moto.cloudwatch.models import CloudWatchBackend

import moto_cloudwatch_reads

NAMESPACES = ["AWS/Route53", "AWS/RDS"]
NAMES = ["HealthCheckStatus", "ReplicaLag", "Other"]
DIMENSIONS = [("HealthCheckId", "a"), ("HealthCheckId", "b"), ("DBInstanceIdentifier", "a"), ("Region", "x")]
STATS = ["Average", "Sum", "SampleCount", "Minimum", "Maximum"]
UNITS = [None, "Seconds", "Count"]


def dims(rng, most):
    picked = rng.sample(DIMENSIONS, rng.randint(0, most))
    return [{"Name": n, "Value": v} for n, v in picked]


def datapoints(rng, t0, n):
    by_namespace = {}
    for _ in range(n):
        member = {
            "MetricName": rng.choice(NAMES),
            "Value": float(rng.choice([0, 1, 2.5, 7])),
            "Dimensions": dims(rng, 2),
            "Timestamp": t0 + timedelta(seconds=rng.uniform(-30, 330)),
        }
        unit = rng.choice(UNITS)
        if unit:
            member["Unit"] = unit
        by_namespace.setdefault(rng.choice(NAMESPACES), []).append(member)
    return by_namespace


def query(rng, i):
    metric = {"Namespace": rng.choice(NAMESPACES), "MetricName": rng.choice(NAMES)}
    d = dims(rng, 2)
    if d:
        metric["Dimensions"] = d
    stat = {"Metric": metric, "Period": str(rng.choice([1, 7, 10, 60, 300])), "Stat": rng.choice(STATS)}
    unit = rng.choice(UNITS)
    if unit:
        stat["Unit"] = unit
    q = {"Id": f"q{i}", "MetricStat": stat}
    if rng.random() < 0.2:
        q["ReturnData"] = False
    if rng.random() < 0.2:
        q["Label"] = f"label {i}"
    return q


def main():
    rng = random.Random(int(sys.argv[1]) if len(sys.argv) > 1 else 7)
    t0 = datetime(2026, 12, 5, 1, 0, 0, tzinfo=timezone.utc)
    backend = CloudWatchBackend("us-east-1", "123456789012")
    for namespace, members in datapoints(rng, t0, 3000).items():
        for i in range(0, len(members), 500):
            backend.put_metric_data(namespace, members[i : i + 500])
    spent = {"moto": 0.0, "indexed": 0.0}
    answered = 0
    for case in range(60):
        start = t0 + timedelta(seconds=rng.uniform(-10, 200), microseconds=rng.randint(0, 999999))
        end = start + timedelta(seconds=rng.choice([1, 30, 61, 300]))
        queries = [query(rng, i) for i in range(rng.randint(1, 40))]
        scan_by = rng.choice(["TimestampAscending", "TimestampDescending"])
        began = time.perf_counter()
        want = moto_cloudwatch_reads._get_metric_data(backend, queries, start, end, scan_by)
        spent["moto"] += time.perf_counter() - began
        began = time.perf_counter()
        got = moto_cloudwatch_reads.get_metric_data(backend, queries, start, end, scan_by)
        spent["indexed"] += time.perf_counter() - began
        if got != want:
            print(f"case {case}: answers differ\nqueries {queries}\nwindow {start} .. {end} {scan_by}")
            print(f"moto    {want}\nindexed {got}")
            return 1
        answered += any(r["values"] for r in want)
    # Equal empty answers prove nothing: most cases must find datapoints.
    if answered < 40:
        print(f"only {answered} of 60 cases found datapoints")
        return 1
    print(f"60 cases equal ({answered} with datapoints); moto {spent['moto']:.2f} s, indexed {spent['indexed']:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
