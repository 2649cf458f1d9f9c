"""EC2 tags of one resource read by its id, not by a scan of every tag in the Region: moto's speed, not its answers.

moto 5.2.x serializes each EC2 resource's TagSet through TaggedEC2Resource.get_tags, which calls
TagBackend.describe_tags with a resource-id filter: a scan of every tag of every resource in the
backend, a regex match per tag. A Describe of N resources then costs N scans of all the tags, so
the cost grows with the square of what the Region holds; at 100 RegionPairs it was 43 % of moto's
CPU (py-spy). The tags of one id are the backend's own dict entry for it: the same list, in the
same order, with the same fields, read directly. An id with a glob character (moto matches the
filter as a pattern; EC2 ids have none) takes moto's own path.
"""

from moto.ec2.models.core import TaggedEC2Resource
from moto.ec2.utils import EC2_PREFIX_TO_RESOURCE, get_prefix

_GLOB = set("*?[")


def get_tags(self):
    resource_id = getattr(self, "id", None)
    if not resource_id:
        return []
    if _GLOB & set(resource_id):
        return _get_tags(self)
    # A copy: another request's thread may add or remove tags of this resource meanwhile.
    tags = self.ec2_backend.tags.get(resource_id, {}).copy()
    resource_type = EC2_PREFIX_TO_RESOURCE.get(get_prefix(resource_id), "")
    return [{"resource_id": resource_id, "key": key, "value": value, "resource_type": resource_type} for key, value in tags.items()]


_get_tags = TaggedEC2Resource.get_tags


def install():
    TaggedEC2Resource.get_tags = get_tags
