"""The core's one public surface: everything an adapter may use, and nothing else.

Adapters import from here only (an import-linter contract checks it), so the core's
packages can be rearranged without touching a platform. What is here: the events an
adapter hands in, the intents it carries out, the ports it implements, ids, the `Rebound`
entry points and its tick workers, and the few helpers the command line needs.
"""

from __future__ import annotations

from bot.common.clock import ManualClock, SystemClock
from bot.common.failures import log_failure
from bot.common.settings import DEFAULT_DATABASE_URL, CoreSettings
from bot.contract.actions import parse_form
from bot.contract.events import (
    ButtonPressed,
    CommandInvoked,
    DirectMessageReceived,
    FormSubmitted,
    InboundEvent,
    MessageActionInvoked,
    MessageDeleted,
    MessageEdited,
    MessagePosted,
    ReactionAdded,
    ReactionRemoved,
)
from bot.contract.ids import CommunityId
from bot.contract.intents import (
    Button,
    Channel,
    Choice,
    CloseThread,
    DirectTo,
    EditMessage,
    Form,
    FormField,
    Intent,
    Link,
    Message,
    Notice,
    OpenForm,
    RejectForm,
    RenameThread,
    Send,
    SendFile,
    SetThreadTags,
    StartThread,
    Target,
    Thread,
)
from bot.contract.ports import (
    Attempt,
    Capabilities,
    Clock,
    Delivered,
    DeliveryFailed,
    FailureKind,
    FormTooLate,
    Outbox,
    Unsupported,
)
from bot.domain.model import CommunitySettings, Member
from bot.engine.bootstrap import build_rebound
from bot.engine.catch_up import OpenThread
from bot.engine.delivery import Pending
from bot.engine.home import HomePage, home_page
from bot.engine.insights import AuditFilter, Insights, OutcomesPage
from bot.engine.metrics import Delivery, Result
from bot.engine.operations import GivenUp, outbox_report, reseal_tokens, retry_given_up
from bot.engine.operations import migrate as migrate_database
from bot.engine.runtime import Rebound
from bot.engine.scheduler import OutboxFor
from bot.engine.workers import StillFiring, run_workers, schedulers, tick_until_quiet
from bot.features.answers.best import MARK, UNMARK
from bot.features.care.lexicon import load_lexicons
from bot.features.library.featuring import FEATURE_ANSWER
from bot.features.lifecycle.forum_tags import STATE_TAG_KEYS, all_thread_tags
from bot.features.moderation.replies import HIDE_REPLY
from bot.features.routes import MESSAGE_ACTIONS as LIBRARY_MESSAGE_ACTIONS
from bot.features.routes import REBOUND_COMMAND
from bot.features.templates.moderation import SAVE_AS_TEMPLATE
from bot.store.community_settings_repo import CommunitySettingsStore, CommunitySetup
from bot.store.engine import create_engine
from bot.store.installation_repo import NOT_SET_UP, Installation, Installations, left_community
from bot.store.ops_repo import Counts, counts, schema_state
from bot.store.secrets import SecretBox, SecretKeysMissing, SecretUnreadable
from bot.words.content import ContentError, load_content, packaged_content
from bot.words.parsed_cache import replace_file
from bot.words.setup_keys import SETUP_FIELDS

__all__ = [
    "DEFAULT_DATABASE_URL",
    "FEATURE_ANSWER",
    "HIDE_REPLY",
    "LIBRARY_MESSAGE_ACTIONS",
    "MARK",
    "NOT_SET_UP",
    "REBOUND_COMMAND",
    "SAVE_AS_TEMPLATE",
    "SETUP_FIELDS",
    "STATE_TAG_KEYS",
    "UNMARK",
    "Attempt",
    "AuditFilter",
    "Button",
    "ButtonPressed",
    "Capabilities",
    "Channel",
    "Choice",
    "Clock",
    "CloseThread",
    "CommandInvoked",
    "CommunityId",
    "CommunitySettings",
    "CommunitySettingsStore",
    "CommunitySetup",
    "ContentError",
    "CoreSettings",
    "Counts",
    "Delivered",
    "Delivery",
    "DeliveryFailed",
    "DirectMessageReceived",
    "DirectTo",
    "EditMessage",
    "FailureKind",
    "Form",
    "FormField",
    "FormSubmitted",
    "FormTooLate",
    "GivenUp",
    "HomePage",
    "InboundEvent",
    "Insights",
    "Installation",
    "Installations",
    "Intent",
    "Link",
    "ManualClock",
    "Member",
    "Message",
    "MessageActionInvoked",
    "MessageDeleted",
    "MessageEdited",
    "MessagePosted",
    "Notice",
    "OpenForm",
    "OpenThread",
    "Outbox",
    "OutboxFor",
    "OutcomesPage",
    "Pending",
    "ReactionAdded",
    "ReactionRemoved",
    "Rebound",
    "RejectForm",
    "RenameThread",
    "Result",
    "SecretBox",
    "SecretKeysMissing",
    "SecretUnreadable",
    "Send",
    "SendFile",
    "SetThreadTags",
    "StartThread",
    "StillFiring",
    "SystemClock",
    "Target",
    "Thread",
    "Unsupported",
    "all_thread_tags",
    "build_rebound",
    "counts",
    "create_engine",
    "home_page",
    "left_community",
    "load_content",
    "load_lexicons",
    "log_failure",
    "migrate_database",
    "outbox_report",
    "packaged_content",
    "parse_form",
    "replace_file",
    "reseal_tokens",
    "retry_given_up",
    "run_workers",
    "schedulers",
    "schema_state",
    "tick_until_quiet",
]
