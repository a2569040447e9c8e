"""HTTP/2 over cleartext TCP with prior knowledge (h2c, RFC 9113 and RFC 7541), stdlib only."""

from __future__ import annotations

from eventwire_emulator.server.h2.connection import H2Connection
from eventwire_emulator.server.h2.frames import PREFACE

__all__ = ["PREFACE", "H2Connection"]
