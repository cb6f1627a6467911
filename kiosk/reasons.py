"""Why a code was refused or a visitor warned: a code with parameters (kiosk/messages.py).

A reason carries a stable machine code (for logs, tests and automation) and the facts its sentence needs;
the sentence a guard reads, in Vietnamese or English, comes from the catalogue of the guard's language.
"""

from __future__ import annotations

from kiosk.messages import LANGUAGES, Message, inline

Reason = Message
__all__ = ["LANGUAGES", "Reason", "inline"]


# --- reading a code (kiosk/credentials): codes other parts may need to recognise ----------------------------

# A parser raised: a bug in this station, never the visitor's fault. The door still answers (a refusal that
# says so), the fault is logged without the payload, and no test may ever see this code.
PARSER_FAULT = "other.parser-error"
# "hidden-character.<field>": a value read or decoded from a code (a signed declaration's name, a card's
# hex address, ...) holds a control, format or direction character, a lone surrogate or a noncharacter.
HIDDEN_CHARACTER = "hidden-character"


# --- Trust: demo keys and how far an identity can be believed ---------------------------------------------

PUBLISHED_KEY = Reason("trust.published_key")
DEMO_MODE_ENTRY = Reason("trust.demo_mode")
SELF_DECLARED = Reason("identity.self_declared")


def identity_check_needed(identity: Reason) -> Reason:
    """A door with a watch list cannot clear an identity no document backs: the guard checks one."""
    return Reason("identity.check_document", identity=identity)


def on_watch_list(identity: Reason) -> Reason:
    """A watch-list match, naming how far the identity it matched can be trusted (`identity`: its words)."""
    return Reason("policy.watch-list", identity=identity)


# --- The door's direction ---------------------------------------------------------------------------------

# An exit of someone whose latest admitted entry today (under any of their linked keys) is not an entry: the
# exit is recorded all the same, and the entry says so.
EXIT_WITHOUT_ENTRY = Reason("policy.exit-without-entry")
