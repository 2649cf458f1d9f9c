"""GetMetricData finds each query's datapoints once, not once per period: moto's speed, not its answers.

moto 5.2.x answers a MetricStat query by walking every period of [StartTime, EndTime] and, for
each period, scanning every datapoint of the window twice (time, then name and dimensions, with a
sort of both dimension lists per datapoint). A call costs queries x periods x datapoints: the
controller's health board asks for two queries per health check, so with 100 checks and their
datapoints in the account one call took a large share of moto's CPU in a failover wave (py-spy:
15 % of all samples, more than any other function). Here each query's datapoints are picked once,
through an index of the window built once per call, and then dealt to their periods by time.

The answers are moto's own, quirks included: with dimensions, moto matches name and dimensions
but not the namespace; without, namespace and name. Datapoints keep their order within a period,
so each statistic adds them in the same order. A query this index cannot answer exactly (several
dimensions, a dimension without a value) takes moto's own predicate; a call with an expression
query, or an invalid time range, is moto's own code. moto_cloudwatch_reads_check.py compares both
on random data.
"""

from datetime import timedelta

from moto.cloudwatch.models import CloudWatchBackend, Dimension, Statistics


def _moto_predicate(query_name, dimensions):
    # moto's test for a query with dimensions (it leaves the namespace out).
    wanted = sorted(dimensions)
    return lambda md: sorted(md.dimensions) == wanted and md.name == query_name


class _Window:
    """The datapoints of [start, end), indexed on first use."""

    def __init__(self, data):
        self.data = data
        self._by_dimension = None
        self._by_name = None
        # A datapoint whose only dimension has no value (never put so by PutMetricData) matches
        # any value in moto's Dimension.__eq__: then one-dimension queries take moto's predicate.
        self._wildcard = False

    def by_dimension(self):
        # (name, dimension name, dimension value) of datapoints with exactly one dimension, in order.
        if self._by_dimension is None:
            self._by_dimension = {}
            for md in self.data:
                if len(md.dimensions) != 1:
                    continue
                d = md.dimensions[0]
                self._wildcard = self._wildcard or d.value is None
                self._by_dimension.setdefault((md.name, d.name, d.value), []).append(md)
        return self._by_dimension

    def by_name(self):
        if self._by_name is None:
            self._by_name = {}
            for md in self.data:
                self._by_name.setdefault((md.namespace, md.name), []).append(md)
        return self._by_name

    def points(self, query_ns, query_name, raw_dimensions):
        dimensions = [Dimension(name=d["Name"], value=d["Value"]) for d in raw_dimensions]
        if not dimensions:
            return self.by_name().get((query_ns, query_name), [])
        # One dimension with a value equals (moto's Dimension.__eq__) exactly the datapoints whose
        # only dimension has that name and value.
        if len(dimensions) == 1 and dimensions[0].value is not None:
            index = self.by_dimension()
            if not self._wildcard:
                d = dimensions[0]
                return index.get((query_name, d.name, d.value), [])
        match = _moto_predicate(query_name, dimensions)
        return [md for md in self.data if match(md)]


def get_metric_data(self, queries, start_time, end_time, scan_by="TimestampAscending"):
    whole_seconds = (start_time.replace(microsecond=0), end_time.replace(microsecond=0))
    if not queries or any("MetricStat" not in q for q in queries) or whole_seconds[0] >= whole_seconds[1]:
        return _get_metric_data(self, queries, start_time, end_time, scan_by)
    start_time, end_time = whole_seconds
    window = _Window([md for md in self.get_all_metrics() if start_time <= md.timestamp < end_time])
    results_to_return = []
    for query in queries:
        metric_stat = query["MetricStat"]
        query_ns = metric_stat["Metric"]["Namespace"]
        query_name = metric_stat["Metric"]["MetricName"]
        delta_seconds = int(metric_stat["Period"])
        unit = metric_stat.get("Unit")
        stat = metric_stat["Stat"]
        points = window.points(query_ns, query_name, metric_stat["Metric"].get("Dimensions", []))
        if unit:
            points = [md for md in points if md.unit == unit]
        periods = {}
        for md in points:
            periods.setdefault(int((md.timestamp - start_time).total_seconds()) // delta_seconds, []).append(md)
        result_vals = []
        timestamps = []
        for index in sorted(periods):
            stats = Statistics([stat], start_time + index * timedelta(seconds=delta_seconds))
            stats.metric_data = periods[index]
            result_vals.append(stats.get_statistics_for_type(stat))
            timestamps.append(stats.timestamp)
        if scan_by == "TimestampDescending" and len(timestamps) > 0:
            timestamps.reverse()
            result_vals.reverse()
        if query.get("ReturnData", True):
            label = query.get("Label") or f"{query_name} {stat}"
            results_to_return.append(
                {"id": query["Id"], "label": label, "values": result_vals, "timestamps": timestamps, "status_code": "Complete"}
            )
    return results_to_return


_get_metric_data = CloudWatchBackend.get_metric_data


def install():
    CloudWatchBackend.get_metric_data = get_metric_data
