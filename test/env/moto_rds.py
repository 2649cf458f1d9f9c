"""CreateDBInstanceReadReplica across regions, as the RDS API reference describes it.

moto (5.2.x) copies the source instance and applies the request's settings to the copy before it
moves the copy to the replica's region, so DBSubnetGroupName (and any setting looked up by name)
was looked up in the source's region: a replica in another region could not be given its own
subnet group ("DBSubnetGroupNotFoundFault" for a group that exists in the replica's region). Here
the copy belongs to the replica's region first, so each named setting is found where the replica
lives, as on AWS.

It also refuses what AWS refuses: "If you create an encrypted read replica in a different AWS
Region, then you must specify a KMS key identifier for the destination AWS Region" (API reference,
CreateDBInstanceReadReplica, KmsKeyId). moto created such a replica with the source's key.
"""

from moto.rds.exceptions import InvalidParameterCombination
from moto.rds.models import RDSBackend

_create_read_replica = RDSBackend.create_db_instance_read_replica


def _source_region(source_id):
    parts = source_id.split(":")
    return parts[3] if source_id.startswith("arn:") and len(parts) > 3 else None


def create_db_instance_read_replica(self, db_kwargs):
    source_id = db_kwargs["source_db_instance_identifier"]
    source_region = _source_region(source_id)
    if source_region and source_region != self.region_name:
        source = self.find_db_from_id(source_id)
        if getattr(source, "storage_encrypted", False) and not db_kwargs.get("kms_key_id"):
            raise InvalidParameterCombination(
                "KmsKeyId is required to create an encrypted read replica in another region: "
                f"the source {source_id} is encrypted and KMS keys are regional"
            )
        # First, so the settings applied after it are looked up in the replica's region.
        db_kwargs = {"backend": self, **db_kwargs}
    return _create_read_replica(self, db_kwargs)


def install():
    RDSBackend.create_db_instance_read_replica = create_db_instance_read_replica
