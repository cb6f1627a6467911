"""The meetings interface the command line and the dashboard use (docs/meetings.md): events and sessions
(server.meetings.events), participants (participants), badges (badges_issued) and the stations'
"meetings" config part (station_part). Every refusal an organiser can fix is a MeetingError."""

from server.meetings.badges_issued import issue_badges
from server.meetings.errors import MeetingError, Words
from server.meetings.events import (EventRecord, EventSummary, SessionRecord, add_event, add_session, find_event,
                                    list_events, local_moment, sessions_of, set_event)
from server.meetings.participants import (MAX_PARTICIPANTS, ImportPreview, ParticipantRecord, add_participant,
                                          apply_import, participants_of, preview_import, remove_participant)
from server.meetings.station_part import meetings_for

__all__ = [
    "MAX_PARTICIPANTS",
    "EventRecord",
    "EventSummary",
    "ImportPreview",
    "MeetingError",
    "ParticipantRecord",
    "SessionRecord",
    "Words",
    "add_event",
    "add_participant",
    "add_session",
    "apply_import",
    "find_event",
    "issue_badges",
    "list_events",
    "local_moment",
    "meetings_for",
    "participants_of",
    "preview_import",
    "remove_participant",
    "sessions_of",
    "set_event",
]
