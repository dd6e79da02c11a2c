//! The index over FAQ phrasings and the fuzzy scoring.
