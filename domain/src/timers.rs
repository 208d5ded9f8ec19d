//! What the engine's timer must do for a product on a given business date.
//!
//! Each recognition gets at most one notice and one expiry: the state remembers the
//! notice, and an expired recognition is no longer current. When both are due (the timer
//! was down for a while), the expiry wins: a notice after expiry would be pointless.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::commands::{CommandBody, ExpireRecognition, IssueExpiryNotice};
use crate::state::ProductState;
use crate::validity;

/// A timer command due on a date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum TimerAction {
    /// Issue the expiry notice (due on `valid_until − 30 days`).
    IssueExpiryNotice {
        /// The timer's date.
        today: NaiveDate,
    },
    /// Expire the recognition (from `valid_until + 1 day`).
    ExpireRecognition {
        /// The timer's date.
        today: NaiveDate,
    },
}

impl TimerAction {
    /// The command body to issue with role `system`.
    pub fn command_body(self) -> CommandBody {
        match self {
            TimerAction::IssueExpiryNotice { today } => {
                CommandBody::IssueExpiryNotice(IssueExpiryNotice { today })
            }
            TimerAction::ExpireRecognition { today } => {
                CommandBody::ExpireRecognition(ExpireRecognition { today })
            }
        }
    }
}

/// The timer action due for `state` on `today`, if any.
pub fn due(state: &ProductState, today: NaiveDate) -> Option<TimerAction> {
    let recognition = state.recognition.as_ref()?;
    if today >= validity::expires_on(recognition.valid_until) {
        Some(TimerAction::ExpireRecognition { today })
    } else if recognition.notice_issued_on.is_none()
        && today >= validity::notice_on(recognition.valid_until)
    {
        Some(TimerAction::IssueExpiryNotice { today })
    } else {
        None
    }
}

/// The next date on which something will be due for `state`, for scheduling.
pub fn next_due_on(state: &ProductState) -> Option<NaiveDate> {
    let recognition = state.recognition.as_ref()?;
    if recognition.notice_issued_on.is_none() {
        Some(validity::notice_on(recognition.valid_until))
    } else {
        Some(validity::expires_on(recognition.valid_until))
    }
}
