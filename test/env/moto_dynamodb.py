"""DynamoDB writes answered as one atomic step each, as DynamoDB does: the emulator's answers, not its speed.

moto 5.2.x serves requests on threads (werkzeug's threaded server) and holds no lock in its
DynamoDB backend: PutItem, UpdateItem and DeleteItem read the item, evaluate the condition, then
write, and another request's thread can run in between. Two concurrent `attribute_not_exists`
PutItems on one key could then both succeed, and two compare-and-set UpdateItems from the same
seen value too: a clean-clone CI run saw two members win one fleet lease. The DynamoDB developer
guide promises the opposite (a conditional write's check and write are one step; TransactWriteItems
is all or nothing, isolated from other writes), and the fleet lease (src/aws/dynamodb/lease-table.ts)
rests on exactly that.

Every item read and write of the backend runs here under one lock, so each is atomic and a
strongly consistent read never sees an UpdateItem half applied. BatchWriteItem stays per item (moto
calls put_item / delete_item for each, and AWS does not make the batch atomic either). One lock
for every account and Region: moto's backends are made and reset at any time, and the test stack's
DynamoDB traffic is a lease renewal every few seconds.
"""

import functools
import threading

from moto.dynamodb.models import DynamoDBBackend

LOCKED = ("get_item", "put_item", "update_item", "delete_item", "query", "scan", "transact_write_items")

_lock = threading.RLock()  # re-entrant: a transaction's steps call the other locked methods


def atomic(method):
    @functools.wraps(method)
    def locked(*args, **kwargs):
        with _lock:
            return method(*args, **kwargs)

    return locked


def install():
    for name in LOCKED:
        setattr(DynamoDBBackend, name, atomic(getattr(DynamoDBBackend, name)))
