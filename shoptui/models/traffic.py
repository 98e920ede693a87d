"""Traffic tables: visits and bot hits read from access logs, how far each log was read, ad spend.

Visits are the report's unit: one row per visit (a client's page views with no gap above 30
minutes), written in bulk by ``shoptui traffic import``. A client is kept only as a hash of its IP
address and user agent. ``last_seen_at`` lets the next import continue a visit that a log file
read in two parts split. ``traffic_log`` remembers how far each log was read, recognised by a
hash of its first kilobyte, so a grown file reads only its new part, the same file read twice adds
nothing and a rotated (renamed or compressed) file is still known.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, CheckConstraint, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from shoptui.models._types import UTCDateTime, utcnow

TRAFFIC_SOURCES = ("search", "social", "email", "ads", "referral", "direct")


class TrafficVisit(SQLModel, table=True):
    """One visit: its day (in the shop's zone, the day it started), client, source and page views."""

    __tablename__ = "traffic_visit"
    __table_args__ = (
        CheckConstraint("source in ('search','social','email','ads','referral','direct')", name="ck_traffic_visit_source"),
        CheckConstraint("page_views > 0", name="ck_traffic_visit_views"),
        Index("ix_traffic_visit_day", "day", "source", "client", "page_views"),  # covers by day, by source, visitors
        Index("ix_traffic_visit_seen", "last_seen_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    day: date
    client: int = Field(sa_type=BigInteger)  # hash of IP address and user agent
    started_at: datetime = Field(sa_type=UTCDateTime)
    last_seen_at: datetime = Field(sa_type=UTCDateTime)
    page_views: int
    source: str = Field(max_length=8)
    host: str = Field(default="", max_length=200)  # the referrer's host, "" for none
    utm_source: str = Field(default="", max_length=100)
    utm_medium: str = Field(default="", max_length=100)
    campaign: str = Field(default="", max_length=100)
    landing_page: str = Field(default="", max_length=500)


class TrafficBotDay(SQLModel, table=True):
    """Bot hits of one day (in the shop's zone)."""

    __tablename__ = "traffic_bot_day"
    __table_args__ = (CheckConstraint("hits >= 0", name="ck_traffic_bot_hits"),)
    day: date = Field(primary_key=True)
    hits: int = 0


class TrafficLog(SQLModel, table=True):
    """How far one access log was read: known by the hash of its first ``head_length`` bytes (of the
    uncompressed text), with its last path and file identity for people."""

    __tablename__ = "traffic_log"
    __table_args__ = (
        UniqueConstraint("head_hash", "head_length", name="uq_traffic_log_head"),
        CheckConstraint("read_to >= 0", name="ck_traffic_log_read_to"),
    )
    id: int | None = Field(default=None, primary_key=True)
    path: str = Field(max_length=1000)
    identity: str = Field(default="", max_length=100)  # device:inode when it was last read
    head_hash: str = Field(max_length=64)  # sha256 hex of the first head_length bytes
    head_length: int
    read_to: int = Field(default=0, sa_type=BigInteger)  # bytes of uncompressed text read, up to the end of the last whole line
    lines: int = Field(default=0, sa_type=BigInteger)
    imported_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class AdSpend(SQLModel, table=True):
    """What one ad channel cost on one day (entered by hand: ``shoptui traffic spend``)."""

    __tablename__ = "ad_spend"
    __table_args__ = (
        UniqueConstraint("channel", "day", name="uq_ad_spend_channel_day"),
        CheckConstraint("amount_minor >= 0", name="ck_ad_spend_amount"),
    )
    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=40)
    day: date
    amount_minor: int
    updated_by: str = Field(default="", max_length=100)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
