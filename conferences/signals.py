"""What the conferences app announces; later apps connect to it (imports point one way)."""

from django.dispatch import Signal

#: Sent inside create_conference's transaction with sender=Conference, conference=<the draft>.
conference_created = Signal()
