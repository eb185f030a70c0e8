"""The decision engine: one ScreenRequest in, one Screening out.

It reads only memory: the current list snapshot (swapped whole by a reloader)
and the facility's policy. The precedence of the rules is the table in the
README, section "Decision rules"; tests/unit/test_precedence.py tests each row.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from screening.domain.behaviour import RecentCalls, behaviour_findings, outside_hours
from screening.domain.contacts import called_party_mismatch
from screening.domain.errors import ListsNotLoaded
from screening.domain.lists import Contact, ListSnapshot
from screening.domain.model import (
    BlockAction,
    Decision,
    Finding,
    NumberType,
    PrivilegedKind,
    Reason,
    ScreenRequest,
    Screening,
)
from screening.domain.numbers import DialedNumber, normalize
from screening.domain.patterns import PatternKind
from screening.domain.policy import Policy, PolicySet, TypeAction
from screening.domain.validation import validate_request

_TYPE_EFFECT = {TypeAction.REVIEW: Decision.REVIEW, TypeAction.DENY: Decision.DENY}
MAX_CLOCK_SKEW_SECONDS = 300


class ScreeningEngine:
    def __init__(self, policies: PolicySet, snapshot: ListSnapshot | None = None,
                 clock: Callable[[], float] = time.time):
        self._policies = policies
        self._snapshot = snapshot
        self._clock = clock

    @property
    def snapshot(self) -> ListSnapshot | None:
        return self._snapshot

    def swap(self, snapshot: ListSnapshot) -> None:
        # One reference assignment: a screening in flight keeps the snapshot it
        # started with, the next one sees the new lists whole.
        self._snapshot = snapshot

    def screen(self, request: ScreenRequest, recent: RecentCalls | None = None) -> Screening:
        """Decide one call. `recent` feeds the behavioural rules; without it
        they are not applied."""
        validate_request(request)
        snapshot = self._snapshot
        if snapshot is None:
            raise ListsNotLoaded("the lists are not loaded yet")
        policy = self._policies.for_facility(request.facility_id)
        number = self.number_of(request)
        if not number.valid:
            finding = Finding(Reason.INVALID_NUMBER, f"{request.dialed_number!r} is not a valid phone number",
                              Decision.DENY)
            return _answer(request, Decision.DENY, [finding], number, snapshot, policy, privileged=False,
                           now=self.moment_of(request))
        findings: list[Finding] = []
        now = self.moment_of(request)
        blocked = _blocked(snapshot, request, number, policy, int(now), findings)
        privileged = _privileged(snapshot, number, findings)
        if privileged:
            # Privileged calls bypass the approved list and number-type rules
            # (embassies are international) and are never monitored, so only a
            # deny-blocklist entry can stop them.
            decision = Decision.DENY if blocked is BlockAction.DENY else Decision.ALLOW
            return _answer(request, decision, findings, number, snapshot, policy, privileged=True, now=now)
        type_action = _number_type(policy, number, findings)
        contact = _allowlist(snapshot, request, number, policy, type_action, findings)
        _called_party(snapshot, request, policy, contact, findings)
        if recent is not None:
            findings += behaviour_findings(policy, recent, snapshot, request.inmate_id, number.key, now)
        if (closed := outside_hours(policy, now)) is not None:
            findings.append(closed)
        return _answer(request, _strongest(findings), findings, number, snapshot, policy, privileged=False,
                       now=now)

    def number_of(self, request: ScreenRequest) -> DialedNumber:
        """The dialed number as screen() reads it (the facility's region)."""
        return normalize(request.dialed_number, self._policies.for_facility(request.facility_id).region)

    def moment_of(self, request: ScreenRequest) -> float:
        """When the call happens: the phone system's requested_at when it is
        within MAX_CLOCK_SKEW of this server's clock, else the server's clock
        (a kiosk with a wrong clock must not open calling hours)."""
        now = self._clock()
        if request.requested_at is not None:
            claimed = request.requested_at.timestamp()
            if abs(claimed - now) <= MAX_CLOCK_SKEW_SECONDS:
                return claimed
        return now


def _blocked(snapshot: ListSnapshot, request: ScreenRequest, number: DialedNumber, policy: Policy, now: int,
             findings: list[Finding]) -> BlockAction | None:
    if not number.key:
        return None
    table = snapshot.blocked
    hit = table.find(number.key, len(number.e164) - 1, request.facility_id, request.inmate_id, now)
    if hit is not None:
        if hit.kind is PatternKind.EXACT:
            reason, what = Reason.BLOCKED_NUMBER, f"{number.e164} is on the blocklist"
        else:
            reason, what = Reason.BLOCKED_PATTERN, f"{number.e164} matches blocklist pattern {hit.pattern}"
        findings.append(Finding(reason, f"{what} ({hit.category.label}, {hit.action.label})",
                                Decision(hit.action), f"blocklist:{hit.entry_id}"))
        return hit.action
    if policy.near_miss_digits:
        near = table.near_miss(number.key, policy.near_miss_digits, now)
        if near is not None:
            findings.append(Finding(Reason.NEAR_BLOCKED_NUMBER,
                                    f"{number.e164} is one digit away from fraud number {near.pattern}",
                                    Decision.REVIEW, f"blocklist:{near.entry_id}"))
    return None


def _privileged(snapshot: ListSnapshot, number: DialedNumber, findings: list[Finding]) -> bool:
    hit = snapshot.privileged.find(number.key) if number.key else None
    if hit is None:
        return False
    entry_id, tag = hit
    findings.append(Finding(Reason.PRIVILEGED, f"{number.e164} is a privileged number "
                            f"({PrivilegedKind(tag).label}); the call is not recorded",
                            Decision.ALLOW, f"privileged:{entry_id}"))
    return True


def _number_type(policy: Policy, number: DialedNumber, findings: list[Finding]) -> TypeAction:
    """The strongest action policy takes on this kind of number; adds findings."""
    actions = [(policy.action_for(number.number_type), f"{_type_label(number.number_type)} numbers")]
    if number.region and number.region != policy.region:
        actions.append((policy.international, f"international numbers ({number.region})"))
    for action, what in actions:
        if action in _TYPE_EFFECT:
            findings.append(Finding(Reason.NUMBER_TYPE, f"{what} are {_verb(action)} by policy",
                                    _TYPE_EFFECT[action]))
    return max((action for action, _ in actions), key=_TYPE_RANK.__getitem__)


_TYPE_RANK = {TypeAction.ALLOW: 0, TypeAction.SCREEN: 1, TypeAction.REVIEW: 2, TypeAction.DENY: 3}


def _allowlist(snapshot: ListSnapshot, request: ScreenRequest, number: DialedNumber, policy: Policy,
               type_action: TypeAction, findings: list[Finding]) -> Contact | None:
    """The approval of this number, if any; adds the finding."""
    contact = snapshot.allowlist.find_contact(request.inmate_id, request.facility_id, number.key) \
        if number.key else None
    if contact is not None:
        findings.append(Finding(Reason.ALLOWLISTED, f"{number.e164} is on the approved list of inmate "
                                f"{request.inmate_id}", Decision.ALLOW, f"allowlist:{contact.entry_id}"))
        return contact
    shown = number.e164 or number.short_code
    if type_action is TypeAction.ALLOW:
        detail = f"{shown} is not on the approved list; its kind of number is allowed without one"
        effect = Decision.ALLOW
    elif policy.require_allowlist:
        detail = f"{shown} is not on the approved list of inmate {request.inmate_id}"
        effect = Decision.DENY
    else:
        detail = f"{shown} is not on the approved list; the facility does not require one"
        effect = Decision.ALLOW
    findings.append(Finding(Reason.NOT_ON_ALLOWLIST, detail, effect))
    return None


def _called_party(snapshot: ListSnapshot, request: ScreenRequest, policy: Policy, contact: Contact | None,
                  findings: list[Finding]) -> None:
    """The watchlist and contact-consistency rules, on the called party's name."""
    name = request.called_party_name.strip()
    if not name:
        return
    thresholds = policy.names
    for hit in snapshot.watchlist.hits(name, request.facility_id, request.inmate_id, thresholds.review_threshold,
                                       thresholds.deny_threshold, thresholds.max_watchlist_findings):
        # A one-word name found inside a longer one is never proof: REVIEW at most.
        partly = ", partial match" if hit.partial else ""
        findings.append(Finding(Reason.WATCHLIST_MATCH,
                                f"called party {name!r} matches watchlist {hit.category.label} {hit.name!r}{partly}",
                                Decision.DENY if hit.denies else Decision.REVIEW, f"watchlist:{hit.entry_id}",
                                round(hit.score, 3)))
    if contact is not None and contact.name:
        # Names and relationships both count: "Mama" may be the registered mother.
        mismatch = called_party_mismatch(name, contact.name, contact.relationship, thresholds.contact_threshold)
        if mismatch is not None:
            findings.append(Finding(Reason.CONTACT_NAME_MISMATCH, mismatch.detail, Decision.REVIEW,
                                    f"allowlist:{contact.entry_id}", round(mismatch.score, 3)))


def _strongest(findings: list[Finding]) -> Decision:
    return max((f.effect for f in findings), default=Decision.ALLOW)


def _answer(request: ScreenRequest, decision: Decision, findings: list[Finding], number: DialedNumber,
            snapshot: ListSnapshot, policy: Policy, privileged: bool, now: float) -> Screening:
    if decision is Decision.DENY:
        duration = 0
    elif privileged:
        duration = policy.privileged_max_duration_seconds
    else:
        duration = policy.max_duration_for(number.number_type)
    return Screening(
        call_id=request.call_id,
        decision=decision,
        findings=tuple(findings),
        normalized_number=number.e164,
        number_type=number.number_type,
        number_region=number.region,
        record=not privileged,
        max_duration_seconds=duration,
        list_version=snapshot.version,
        at=now,
    )


def _type_label(number_type: NumberType) -> str:
    return number_type.name.lower().replace("_", " ")


def _verb(action: TypeAction) -> str:
    return {TypeAction.REVIEW: "flagged for review", TypeAction.DENY: "denied"}[action]
