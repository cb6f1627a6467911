"""Meetings, conferences and trainings on the server: events, sessions and the stations that check in for
them, participants imported from the organiser's file, signed badges, attendance reports
(docs/meetings.md). The parts the kiosks share are in kiosk.meetings."""
