"""Who is asking, and may they: one interceptor for the screening service.

The client is the [clients.NAME] whose certificate_names hold a name of the
mutual-TLS client certificate (its SAN DNS and URI entries, else its
subject CN), else the one whose token_sha256 is the hash of the
`authorization: Bearer TOKEN` metadata. None of them -> UNAUTHENTICATED.
ScreenCall for a facility not in its facility_ids -> PERMISSION_DENIED;
WatchDecisions needs may_watch and sees its own facilities only. Past the
client's cap of calls in flight or calls a second -> RESOURCE_EXHAUSTED.
With no [clients] configured (allow_unauthenticated) everyone is one
"anonymous" client, for every facility, under the same caps.

Health and reflection stay open: probes and grpcurl's listing need no identity.
It sits inside the metrics interceptor (which counts the code set here) and
outside the error mapping.
"""

from __future__ import annotations

import logging

import grpc
from prometheus_client import CollectorRegistry, Counter

from screening.adapters.grpc.refusal_log import RefusalLog
from screening.service.clients import Client, Clients

log = logging.getLogger(__name__)

REASONS = ("unauthenticated", "permission_denied", "rate_limited", "in_flight")
UNKNOWN_CLIENT = "unknown"  # the label of calls no client could be found for
_SAN = "x509_subject_alternative_name"
_CN = "x509_common_name"


class ClientMetrics:
    def __init__(self, registry: CollectorRegistry, clients: list[Client]):
        # Labels from the config and a fixed list only: never a token, a number or a name from the wire.
        self.denied = Counter("screening_client_denied_total",
                              "Calls refused for who asked: unauthenticated, permission_denied (another "
                              "facility, or a watch it may not open), rate_limited or in_flight (over a cap).",
                              ("client", "reason"), registry=registry)
        for name in [client.name for client in clients] + [UNKNOWN_CLIENT]:
            for reason in REASONS:  # at zero: an alert on increase() sees the first one
                if name != UNKNOWN_CLIENT or reason == "unauthenticated":
                    self.denied.labels(name, reason)

    def deny(self, client: str, reason: str) -> None:
        self.denied.labels(client, reason).inc()


class AuthInterceptor(grpc.ServerInterceptor):
    def __init__(self, clients: Clients, anonymous: Client, service: str, metrics: ClientMetrics | None = None):
        """service: the full name of the service guarded (others pass untouched)."""
        self._clients, self._anonymous = clients, anonymous
        self._prefix = f"/{service}/"
        self._metrics = metrics
        self._refusals = RefusalLog(log)

    def intercept_service(self, continuation, handler_call_details):
        handler = continuation(handler_call_details)
        if handler is None or not handler_call_details.method.startswith(self._prefix):
            return handler
        if handler.unary_stream is not None:
            streaming = handler.unary_stream

            def guarded(request, context):
                client = self._identify(context)
                request = self._narrowed(client, request, context)
                self._hold(client, context)
                try:
                    yield from streaming(request, context)
                finally:
                    client.in_flight.release()

            wrap = grpc.unary_stream_rpc_method_handler
        elif handler.unary_unary is not None:
            behaviour = handler.unary_unary

            def guarded(request, context):
                client = self._identify(context)
                self._check_facility(client, request, context)
                self._hold(client, context)
                try:
                    return behaviour(request, context)
                finally:
                    client.in_flight.release()

            wrap = grpc.unary_unary_rpc_method_handler
        else:
            return handler
        return wrap(guarded, request_deserializer=handler.request_deserializer,
                    response_serializer=handler.response_serializer)

    def _hold(self, client: Client, context) -> None:
        """One of the client's calls in flight, within its caps; or the call ends here."""
        if not client.bucket.take():
            self._deny(context, client.name, "rate_limited", grpc.StatusCode.RESOURCE_EXHAUSTED,
                       f"client {client.name} is over its max_calls_per_second ({client.bucket.rate}): slow down")
        if not client.in_flight.acquire():
            self._deny(context, client.name, "in_flight", grpc.StatusCode.RESOURCE_EXHAUSTED,
                       f"client {client.name} has max_in_flight ({client.in_flight.cap}) calls in flight "
                       "already: wait for an answer")

    def _identify(self, context) -> Client:
        if not self._clients:
            return self._anonymous
        names = certificate_names(context.auth_context())
        client = self._clients.by_certificate(names)
        if client is not None:
            return client
        token, problem = _bearer(context.invocation_metadata())
        if token is not None:
            client = self._clients.by_token(token)
            if client is not None:
                return client
            problem = "the bearer token is not one of a configured client"
        elif names:
            problem = f"no [clients] entry has certificate name {names[0]!r}"
        self._deny(context, UNKNOWN_CLIENT, "unauthenticated", grpc.StatusCode.UNAUTHENTICATED, problem)
        raise AssertionError("unreachable")  # abort raised

    def _check_facility(self, client: Client, request, context) -> None:
        facility = getattr(request, "facility_id", None)
        # "" or an undecodable request: the error mapping answers INVALID_ARGUMENT, naming the field.
        if facility and not client.may_screen_for(facility):
            self._deny(context, client.name, "permission_denied", grpc.StatusCode.PERMISSION_DENIED,
                       # Quoted and cut short: it comes from the wire, before anything checked its length.
                       f"client {client.name} may not screen calls for facility {facility[:64]!r} "
                       "(not in its facility_ids)")

    def _narrowed(self, client: Client, request, context):
        """The watch request with its facility filter within the client's facilities."""
        refusal = None
        if not client.may_watch:
            refusal = f"client {client.name} may not watch decisions (may_watch is false)"
        elif hasattr(request, "facility_ids"):
            facilities = client.watchable(request.facility_ids)
            if facilities == []:
                refusal = f"client {client.name} may watch its own facilities only: {', '.join(sorted(client.facility_ids))}"
            elif facilities is not None:
                narrowed = type(request)()
                narrowed.CopyFrom(request)
                narrowed.ClearField("facility_ids")
                narrowed.facility_ids.extend(facilities)
                return narrowed
        if refusal:
            self._deny(context, client.name, "permission_denied", grpc.StatusCode.PERMISSION_DENIED, refusal)
        return request

    def _deny(self, context, client: str, reason: str, code: grpc.StatusCode, message: str) -> None:
        if self._metrics is not None:
            self._metrics.deny(client, reason)
        if code is not grpc.StatusCode.RESOURCE_EXHAUSTED:  # over a cap: counted, not a line per call
            self._refusals.refused(client, reason, message)
        context.abort(code, message)


def certificate_names(auth_context: dict) -> list[str]:
    """The client certificate's SAN entries (DNS, URI), else its subject CN;
    [] without mutual TLS."""
    names = [value.decode("utf-8", "replace") for value in auth_context.get(_SAN, ())]
    return names or [value.decode("utf-8", "replace") for value in auth_context.get(_CN, ())]


def _bearer(metadata) -> tuple[str | None, str]:
    """(token, "") from `authorization: Bearer TOKEN`; (None, what is wrong) else."""
    for key, value in metadata or ():
        if key == "authorization":
            scheme, _, token = str(value).partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                return None, "the authorization metadata is not 'Bearer TOKEN'"
            return token.strip(), ""
    return None, "no client certificate and no 'authorization: Bearer TOKEN' metadata"
