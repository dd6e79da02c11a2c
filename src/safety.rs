//! Red flags (urgent) detection and the GP-referral rule.
//!
//! Checked before anything else: an emergency is answered with 112 / huisartsenpost first
//! (113 for suicidal thoughts).

/// What kind of urgent advice a message needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Urgency {
    /// Life-threatening signs: 112, or the huisartsenpost outside office hours.
    Emergency,
    /// Suicidal thoughts: 113 (and 112 when in immediate danger).
    Suicide,
}

// TEMPORARY stub until the red-flag detector lands (wip-b12).
pub fn urgency(_text: &str) -> Option<Urgency> {
    None
}
