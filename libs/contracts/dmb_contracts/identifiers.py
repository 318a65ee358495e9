"""Rules for table and field names, checked before a name can reach any database.

Names are lower-case ASCII so they mean the same thing, unquoted or quoted, in PostgreSQL, SQLite and
MySQL; SQLAlchemy still quotes every identifier it emits. 63 characters is PostgreSQL's limit (the
smallest of the three dialects we target after MySQL's 64).
"""

from __future__ import annotations

import hashlib
import re

#: The longest identifier each target dialect takes (SQLite has no limit). A table may move between datasets
#: databases, so every name keeps to the smallest.
DIALECT_IDENTIFIER_LIMITS: dict[str, int | None] = {"postgresql": 63, "mysql": 64, "mariadb": 64, "sqlite": None}
MAX_IDENTIFIER_LENGTH = 63
_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]*")


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


#: PostgreSQL 16's reserved key words (the "reserved" column of the SQL Key Words appendix, with those
#: that can be a function or type name).
POSTGRESQL_RESERVED = _words(
    """
    all analyse analyze and any array as asc asymmetric authorization binary both case cast check collate collation
    column concurrently constraint create cross current_catalog current_date current_role current_schema
    current_time current_timestamp current_user default deferrable desc distinct do else end except false fetch for
    foreign freeze from full grant group having ilike in initially inner intersect into is isnull join lateral
    leading left like limit localtime localtimestamp natural not notnull null offset on only or order outer overlaps
    placing primary references returning right select session_user similar some symmetric system_user table
    tablesample then to trailing true union unique user using variadic verbose when where window with
    """
)

#: SQLite's 147 keywords (https://sqlite.org/lang_keywords.html).
SQLITE_KEYWORDS = _words(
    """
    abort action add after all alter always analyze and as asc attach autoincrement before begin between by cascade
    case cast check collate column commit conflict constraint create cross current current_date current_time
    current_timestamp database default deferrable deferred delete desc detach distinct do drop each else end escape
    except exclude exclusive exists explain fail filter first following for foreign from full generated glob group
    groups having if ignore immediate in index indexed initially inner insert instead intersect into is isnull join
    key last left like limit match materialized natural no not nothing notnull null nulls of offset on or order
    others outer over partition plan pragma preceding primary query raise range recursive references regexp reindex
    release rename replace restrict returning right rollback row rows savepoint select set table temp temporary then
    ties to transaction trigger unbounded union unique update using vacuum values view virtual when where window
    with without
    """
)

#: MySQL 8.0's reserved words (marked (R) in its keyword list), and those MariaDB reserves in its default
#: sql_mode (checked against a MariaDB 10.11 server; its Oracle-mode words such as body or package are not).
MYSQL_RESERVED = _words(
    """
    accessible add all alter analyze and array as asc asensitive before between bigint binary blob both by call
    cascade case change char character check collate column condition constraint continue convert create cross cube
    cume_dist current_date current_role current_time current_timestamp current_user cursor database databases
    day_hour day_microsecond day_minute day_second dec decimal declare default delayed delete dense_rank desc
    describe deterministic distinct distinctrow div do_domain_ids double drop dual each else elseif empty enclosed
    escaped except exists exit explain false fetch first_value float float4 float8 for force foreign from fulltext
    function general generated get get_master_public_key grant group grouping groups having high_priority
    hour_microsecond hour_minute hour_second if ignore ignore_domain_ids ignore_server_ids in index infile inner
    inout insensitive insert int int1 int2 int3 int4 int8 integer intersect interval into io_after_gtids
    io_before_gtids is iterate join json_table key keys kill lag last_value lateral lead leading leave left like
    limit linear lines load localtime localtimestamp lock long longblob longtext loop low_priority master_bind
    master_heartbeat_period master_ssl_verify_server_cert match maxvalue mediumblob mediumint mediumtext member
    middleint minute_microsecond minute_second mod modifies natural no_write_to_binlog not nth_value ntile null
    numeric of offset on optimize optimizer_costs option optionally or order out outer outfile over page_checksum
    parallel parse_gcol_expr parse_vcol_expr partition percent_rank persist persist_only precision primary procedure
    purge qualify range rank read read_write reads real recursive ref_system_id references regexp release rename
    repeat replace require resignal restrict return returning revoke right rlike role row row_number rows schema
    schemas second_microsecond select sensitive separator set show signal slow smallint spatial specific sql
    sql_after_gtids sql_before_gtids sql_big_result sql_calc_found_rows sql_small_result sqlexception sqlstate
    sqlwarning ssl starting stats_auto_recalc stats_persistent stats_sample_pages stored straight_join system table
    terminated then tinyblob tinyint tinytext to trailing trigger true undo union unique unlock unsigned update
    usage use using utc_date utc_time utc_timestamp values varbinary varchar varcharacter varying virtual when where
    while window with write xor year_month zerofill
    """
)

#: Words that would need quoting wherever they are used in one of the dialects we target.
RESERVED_WORDS = POSTGRESQL_RESERVED | SQLITE_KEYWORDS | MYSQL_RESERVED


def _reserved_in(name: str) -> str:
    dialects = [
        dialect
        for dialect, words in (
            ("PostgreSQL", POSTGRESQL_RESERVED),
            ("SQLite", SQLITE_KEYWORDS),
            ("MySQL/MariaDB", MYSQL_RESERVED),
        )
        if name in words
    ]
    return ", ".join(dialects)


def _unreserved_alternative(name: str) -> str:
    return next(
        candidate
        for candidate in (f"{name}_value", f"{name}_field", f"{name}_col", f"the_{name}")
        if candidate not in RESERVED_WORDS
    )


def identifier_problem(name: str) -> str | None:
    """Why `name` cannot be a table or field name, or None if it can."""
    if not name:
        return "a name cannot be empty"
    if len(name) > MAX_IDENTIFIER_LENGTH:
        return (
            f"a name can have at most {MAX_IDENTIFIER_LENGTH} characters (this one has {len(name)}); "
            "PostgreSQL's limit, kept on every database"
        )
    if not _IDENTIFIER.fullmatch(name):
        return (
            f"{name[:80]!r} is not a valid name: use lower-case letters, digits and underscores, "
            "starting with a letter or underscore"
        )
    if name in RESERVED_WORDS:
        return (
            f"{name!r} is a reserved SQL word (in {_reserved_in(name)}); choose another name "
            f"(e.g. {_unreserved_alternative(name)})"
        )
    if name.startswith("dmb_"):
        return f"{name!r} starts with 'dmb_', which is reserved for the platform's own tables"
    return None


def validate_identifier(name: str) -> str:
    problem = identifier_problem(name)
    if problem:
        raise ValueError(problem)
    return name


def derived_name(prefix: str, *parts: str) -> str:
    """A name the platform makes up for an index or constraint, e.g. `uq_orders_customer_day`: the same parts
    always give the same name, and a name longer than MAX_IDENTIFIER_LENGTH keeps its start and ends with
    a hash of the whole, so two long names stay distinct."""
    name = "_".join((prefix, *parts))
    if len(name) <= MAX_IDENTIFIER_LENGTH:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:8]
    return f"{name[: MAX_IDENTIFIER_LENGTH - 9]}_{digest}"
