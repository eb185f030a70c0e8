# Generated protobuf and gRPC code for proto/screening/v1/screening.proto.
# Regenerate with `python -m screening.protogen`; tests/unit/test_generated_code.py
# fails when these files are stale.
