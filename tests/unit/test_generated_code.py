"""The committed screening/v1 code must match proto/ (regenerate with
`python -m screening.protogen`)."""

import ast

from google.protobuf import descriptor_pb2

from screening.protogen import generate
from screening.v1 import screening_pb2, screening_pb2_grpc


def test_committed_descriptor_matches_the_proto(tmp_path):
    generate(tmp_path)
    text = (tmp_path / "screening" / "v1" / "screening_pb2.py").read_text()
    # Executing the fresh module would clash with the loaded one in the
    # descriptor pool, so compare the serialized descriptor it embeds.
    start = text.index("AddSerializedFile(") + len("AddSerializedFile(")
    fresh = descriptor_pb2.FileDescriptorProto.FromString(ast.literal_eval(text[start:text.index(")\n", start)]))
    committed = descriptor_pb2.FileDescriptorProto()
    screening_pb2.DESCRIPTOR.CopyToProto(committed)
    assert fresh == committed, "screening/v1 is stale: run `python -m screening.protogen`"


def test_committed_grpc_stubs_match_the_proto(tmp_path):
    generate(tmp_path)
    fresh = (tmp_path / "screening" / "v1" / "screening_pb2_grpc.py").read_text()
    committed = open(screening_pb2_grpc.__file__).read()
    assert _without_versions(fresh) == _without_versions(committed), (
        "screening/v1 is stale: run `python -m screening.protogen`")


def _without_versions(source: str) -> str:
    # The generator stamps its own version; any grpcio-tools in range is fine.
    return "\n".join(line for line in source.splitlines() if not line.startswith("GRPC_GENERATED_VERSION"))

