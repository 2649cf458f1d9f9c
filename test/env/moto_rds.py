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

PromoteReadReplica makes the replica "a standalone DB instance" (API reference): it no longer
names a source (ReadReplicaSourceDBInstanceIdentifier) and its source no longer lists it
(ReadReplicaDBInstanceIdentifiers). moto kept both, so a promoted instance still read as a replica.
"""

from moto.rds.exceptions import DBInstanceNotFoundError, InvalidParameterCombination
from moto.rds.models import RDSBackend

_create_read_replica = RDSBackend.create_db_instance_read_replica
_promote_read_replica = RDSBackend.promote_read_replica


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


def promote_read_replica(self, db_kwargs):
    database = self.databases.get(db_kwargs["db_instance_identifier"])
    if database is None:
        raise DBInstanceNotFoundError(db_kwargs["db_instance_identifier"])
    source_id = database.source_db_instance_identifier if database.is_replica else None
    promoted = _promote_read_replica(self, db_kwargs)
    if source_id:
        try:
            source = self.find_db_from_id(source_id)
        except DBInstanceNotFoundError:
            source = None
        if source is not None:
            # Listed by ARN when cross-region, by identifier otherwise (moto's add_replica).
            source.replicas = [r for r in source.replicas if r not in (database.db_instance_arn, database.db_instance_identifier)]
        database.source_db_instance_identifier = None
    return promoted


def install():
    RDSBackend.create_db_instance_read_replica = create_db_instance_read_replica
    RDSBackend.promote_read_replica = promote_read_replica
