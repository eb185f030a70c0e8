"""The pure core: numbers, lists, policy and the decision engine.

Nothing in this package imports gRPC, protobuf or a database driver; the
adapters around it (store, api, cli) translate to and from these types.
"""
