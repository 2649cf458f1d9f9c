"""moto's response serializer, faster: its speed, not its answers.

moto 5.2.x serializes a response by walking the botocore output shape and, for every member of
every structure, asking a chain of alias providers which attribute names of the Python object may
hold it (XFormedAttributePicker: an explicit alias, the shape's name, the key, the key without its
structure's or class's prefix, the model's serialization name, each also in snake_case). The chain
builds six provider objects and a context per member; a DBInstance has about 110 members, so a
DescribeDBInstances answer asked about 550 times, and on a failover wave (about ten RDS answers per
failover) this was the largest part of moto's serializer time (cProfile).

The names depend only on the picker's provider list, the object's class (its Meta aliases and its
name), the member's key and its shape with the structure it belongs to; none of these changes while
moto serves. So the list is kept per (providers, class, key, shape, parent shape), and each member
is still looked up on the object in the same order, with the picker's response transformers applied
as moto applies them. A picker of any other kind is left to moto.

The XML answers then go through xmltodict.unparse, a SAX generator fed one call per element, with
every element name checked character by character: a quarter of moto's time for a DescribeDBInstances
answer. Without pretty printing (moto's default), the answer is written here straight into a list of
strings, as xmltodict writes it: the same escaping, attributes in order, empty elements short. Whatever
xmltodict does that this does not (comments, namespace maps) sends the whole answer to xmltodict.
The verdict on an element name is kept (names are the model's, few).
"""

import functools
from xml.sax.saxutils import escape, quoteattr

import xmltodict
from moto.core import serialize
from moto.core.utils import MISSING, get_value

_original_get_value = serialize.ResponseSerializer.get_value
_keys: dict = {}
# Shapes are kept alive by the keys, so their ids cannot be reused; the bound only guards memory.
_MAX_KEYS = 200_000


def _possible_keys(serializer, picker, obj, key, shape):
    parent = getattr(shape, "parent", None) if shape is not None else None
    cache_key = (tuple(picker.alias_providers), type(obj), key, shape, parent)
    keys = _keys.get(cache_key)
    if keys is None:
        context = serialize.AttributePickerContext(
            obj=obj,
            key=key,
            shape=shape,
            operation_model=serializer.operation_model,
            service_model=serializer.operation_model.service_model,
            key_path=".".join(serializer.path),
        )
        keys = tuple(picker.get_possible_keys(context))
        if len(_keys) < _MAX_KEYS:
            _keys[cache_key] = keys
    return keys


def get_value_by_known_keys(self, value, key, shape):
    picker = self._value_picker
    if type(picker) is not serialize.XFormedAttributePicker:
        return _original_get_value(self, value, key, shape)
    found = None
    for possible_key in _possible_keys(self, picker, value, key, shape):
        candidate = get_value(value, possible_key, MISSING)
        if candidate is not MISSING:
            found = candidate
            break
    if picker.response_transformers:
        key_path = f"{'.'.join(self.path)}.{key}"
        for transform_path, transform in picker.response_transformers.items():
            if key_path.endswith(transform_path):
                return transform(found)
    return found


_validate_name = xmltodict._validate_name


@functools.lru_cache(maxsize=4096)
def _validated_str_name(value, kind):
    _validate_name(value, kind)


def validate_name_once(value, kind):
    # Only strings are kept (hashable, and the names of every answer); anything else is checked as before.
    if type(value) is str:
        _validated_str_name(value, kind)
    else:
        _validate_name(value, kind)


class Unusual(Exception):
    """Something xmltodict.unparse handles that write_element does not: the answer goes to xmltodict."""


def _text(value):
    # xmltodict's _convert_value_to_string with its defaults.
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).decode("utf-8", errors="replace")
    return str(value)


def write_element(key, value, out, short):
    """xmltodict's _emit for one key, unpretty, no namespaces, no preprocessor, into `out`.

    short: short_empty_elements (an element without content is written `<a/>`, else `<a></a>`).
    """
    if not isinstance(key, str) or key == "#comment":
        raise Unusual()
    validate_name_once(key, "element")
    if not hasattr(value, "__iter__") or isinstance(value, (str, bytes, bytearray, memoryview, dict)):
        value = [value]
    for v in value:
        if v is None:
            v = {}
        elif not isinstance(v, (dict, str)):
            v = _text(v)
        if isinstance(v, str):
            v = {"#text": v}
        cdata = None
        out.append("<" + key)
        children = []
        for ik, iv in v.items():
            if ik == "#text":
                cdata = None if iv is None else _text(iv)
                continue
            if not isinstance(ik, str):
                raise Unusual()
            if ik.startswith("@"):
                if ik == "@xmlns" and isinstance(iv, dict):
                    raise Unusual()
                name = ik[1:]
                validate_name_once(name, "attribute")
                out.append(f" {name}={quoteattr('' if iv is None else _text(iv))}")
                continue
            if isinstance(iv, list) and not iv:
                continue
            children.append((ik, iv))
        # The start tag stays open until content comes: an element without any ends "/>".
        pending = short
        if not short:
            out.append(">")
        for child_key, child_value in children:
            if pending:
                out.append(">")
                pending = False
            write_element(child_key, child_value, out, short)
        if cdata:
            if pending:
                out.append(">")
                pending = False
            out.append(escape(cdata))
        out.append("/>" if pending else f"</{key}>")


_XML_DECLARATION = '<?xml version="1.0" encoding="utf-8"?>\n'


def unparse(body, full_document, short):
    """xmltodict.unparse(body, full_document=…, short_empty_elements=…), unpretty; raises Unusual."""
    if full_document and (len(body) != 1 or not isinstance(next(iter(body.values())), (str, dict))):
        raise Unusual()  # one root exactly, or xmltodict's own error for it
    out = [_XML_DECLARATION] if full_document else []
    for key, value in body.items():
        write_element(key, value, out, short)
    return "".join(out)


def _fast_body(moto_body, full_document, short):
    def serialize_body(self, body):
        if not self.pretty_print:
            try:
                return unparse(body, full_document, short)
            except Unusual:
                pass
        return moto_body(self, body)

    return serialize_body


# The serializers the controller's services answer through, with the options each passes to xmltodict.
_BODIES = [
    (serialize.BaseXMLSerializer, False, True),  # query: RDS, STS, CloudFormation
    (serialize.EC2Serializer, True, True),
    (serialize.RestXMLSerializer, True, False),  # Route 53
]


def install():
    serialize.ResponseSerializer.get_value = get_value_by_known_keys
    xmltodict._validate_name = validate_name_once
    for cls, full_document, short in _BODIES:
        cls._serialize_body = _fast_body(cls.__dict__["_serialize_body"], full_document, short)
