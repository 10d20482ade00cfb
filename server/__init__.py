"""The partnerboard server: HTTP API, pages, real-time sync rooms and storage."""
