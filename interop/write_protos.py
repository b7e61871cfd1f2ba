"""Writes proto/ from the pinned TensorFlow's own descriptors.

The schemas in proto/ must carry TensorFlow's exact message names, field names, numbers, types and enums. Rather than
retype them by hand (and risk a wrong number), this renders each needed file's FileDescriptorProto, as compiled into the
pinned TensorFlow, as plain .proto text: no comments, no options beyond the ones that change the wire format.
Run: interop/.venv/bin/python interop/write_protos.py
"""
import importlib
import os
import sys

from google.protobuf import descriptor_pb2

ROOT_MODULES = [
    "tensorflow.core.framework.graph_pb2",
    "tensorflow.core.framework.variable_pb2",
    "tensorflow.core.framework.summary_pb2",
    "tensorflow.core.protobuf.meta_graph_pb2",
    "tensorflow.core.protobuf.saved_model_pb2",
    "tensorflow.core.protobuf.saver_pb2",
    "tensorflow.core.protobuf.tensor_bundle_pb2",
    "tensorflow.core.protobuf.trackable_object_graph_pb2",
    "tensorflow.core.framework.tensor_slice_pb2",
    "tensorflow.core.util.saved_tensor_slice_pb2",
    "tensorflow.core.util.event_pb2",
    "tensorflow.python.training.checkpoint_state_pb2",
    "tensorboard.plugins.scalar.plugin_data_pb2",
    "tensorboard.plugins.histogram.plugin_data_pb2",
    "tensorboard.plugins.image.plugin_data_pb2",
    "tensorboard.plugins.text.plugin_data_pb2",
    "tensorboard.plugins.hparams.plugin_data_pb2",
]

F = descriptor_pb2.FieldDescriptorProto
SCALAR = {
    F.TYPE_DOUBLE: "double", F.TYPE_FLOAT: "float", F.TYPE_INT64: "int64", F.TYPE_UINT64: "uint64",
    F.TYPE_INT32: "int32", F.TYPE_FIXED64: "fixed64", F.TYPE_FIXED32: "fixed32", F.TYPE_BOOL: "bool",
    F.TYPE_STRING: "string", F.TYPE_BYTES: "bytes", F.TYPE_UINT32: "uint32", F.TYPE_SFIXED32: "sfixed32",
    F.TYPE_SFIXED64: "sfixed64", F.TYPE_SINT32: "sint32", F.TYPE_SINT64: "sint64",
}


def type_name(field):
    if field.type in SCALAR:
        return SCALAR[field.type]
    return field.type_name  # fully qualified, with the leading dot: unambiguous for any compiler


def render_enum(enum, indent):
    pad = "  " * indent
    out = [f"{pad}enum {enum.name} {{"]
    if enum.options.allow_alias:
        out.append(f"{pad}  option allow_alias = true;")
    for v in enum.value:
        out.append(f"{pad}  {v.name} = {v.number};")
    for r in enum.reserved_range:
        out.append(f"{pad}  reserved {r.start} to {r.end};" if r.end != r.start else f"{pad}  reserved {r.start};")
    out.append(f"{pad}}}")
    return out


def field_options(field, syntax):
    opts = []
    if field.options.HasField("packed"):
        opts.append(f"packed = {'true' if field.options.packed else 'false'}")
    if field.HasField("default_value"):
        dv = field.default_value
        opts.append(f'default = "{dv}"' if field.type in (F.TYPE_STRING, F.TYPE_BYTES) else f"default = {dv}")
    return f" [{', '.join(opts)}]" if opts else ""


def render_message(msg, indent, syntax):
    pad = "  " * indent
    out = [f"{pad}message {msg.name} {{"]
    maps = {n.name: n for n in msg.nested_type if n.options.map_entry}
    oneof_fields = {}
    for f in msg.field:
        if f.HasField("oneof_index") and not f.proto3_optional:
            oneof_fields.setdefault(f.oneof_index, []).append(f)
    emitted_oneofs = set()
    for f in msg.field:
        if f.HasField("oneof_index") and not f.proto3_optional:
            idx = f.oneof_index
            if idx in emitted_oneofs:
                continue
            emitted_oneofs.add(idx)
            out.append(f"{pad}  oneof {msg.oneof_decl[idx].name} {{")
            for of in oneof_fields[idx]:
                out.append(f"{pad}    {type_name(of)} {of.name} = {of.number}{field_options(of, syntax)};")
            out.append(f"{pad}  }}")
            continue
        entry_name = f.type_name.rsplit(".", 1)[-1]
        if f.label == F.LABEL_REPEATED and f.type == F.TYPE_MESSAGE and entry_name in maps:
            entry = maps[entry_name]
            key, value = entry.field[0], entry.field[1]
            out.append(f"{pad}  map<{type_name(key)}, {type_name(value)}> {f.name} = {f.number};")
            continue
        label = ""
        if f.label == F.LABEL_REPEATED:
            label = "repeated "
        elif syntax == "proto2":
            label = "required " if f.label == F.LABEL_REQUIRED else "optional "
        elif f.proto3_optional:
            label = "optional "
        out.append(f"{pad}  {label}{type_name(f)} {f.name} = {f.number}{field_options(f, syntax)};")
    for e in msg.enum_type:
        out.extend(render_enum(e, indent + 1))
    for n in msg.nested_type:
        if not n.options.map_entry:
            out.extend(render_message(n, indent + 1, syntax))
    for r in msg.reserved_range:
        end = r.end - 1
        out.append(f"{pad}  reserved {r.start} to {end};" if end != r.start else f"{pad}  reserved {r.start};")
    for name in msg.reserved_name:
        out.append(f'{pad}  reserved "{name}";')
    out.append(f"{pad}}}")
    return out


def render_file(proto):
    syntax = proto.syntax or "proto2"
    out = [
        "// Generated by interop/write_protos.py from the pinned TensorFlow's descriptors: wire facts only.",
        f'syntax = "{syntax}";',
        "",
        f"package {proto.package};",
        "",
    ]
    for dep in proto.dependency:
        out.append(f'import "{dep}";')
    if proto.dependency:
        out.append("")
    for e in proto.enum_type:
        out.extend(render_enum(e, 0))
        out.append("")
    for m in proto.message_type:
        out.extend(render_message(m, 0, syntax))
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def main():
    dest = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "proto")
    seen = {}

    def walk(fd):
        if fd.name in seen:
            return
        seen[fd.name] = fd
        for d in fd.dependencies:
            walk(d)

    for name in ROOT_MODULES:
        walk(importlib.import_module(name).DESCRIPTOR)
    for name, fd in sorted(seen.items()):
        if name.startswith("google/protobuf/"):
            continue  # protobufjs ships the well-known types
        proto = descriptor_pb2.FileDescriptorProto()
        fd.CopyToProto(proto)
        path = os.path.join(dest, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as fh:
            fh.write(render_file(proto))
        print(path, file=sys.stderr)


if __name__ == "__main__":
    main()
