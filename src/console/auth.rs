//! Staff accounts and sessions: Argon2id password hashes (the `argon2` crate), random
//! session and CSRF tokens, and the limit on wrong passwords.

use crate::store::{Role, StaffSession, Store};
use anyhow::{Result, anyhow};
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "b12s";
/// The login form's CSRF cookie (there is no session yet to hold its token).
pub const LOGIN_COOKIE: &str = "b12l";
/// How long a session lasts.
pub const SESSION_SECONDS: i64 = 8 * 3600;
/// Wrong passwords for one name within [`LOCK_WINDOW`] before further attempts are refused.
pub const LOCK_AFTER: i64 = 5;
/// How long wrong passwords count, and so how long the refusal lasts.
pub const LOCK_WINDOW: i64 = 15 * 60;

/// 32 random bytes from the operating system, as hex.
pub fn token() -> String {
    let mut b = [0u8; 32];
    getrandom::fill(&mut b).expect("the operating system's random numbers");
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// The Argon2id hash (PHC string) of `password`, with a random salt.
pub fn hash_password(password: &str) -> Result<String> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| anyhow!("random salt: {e}"))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| anyhow!("salt: {e}"))?;
    Ok(Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map_err(|e| anyhow!("hashing: {e}"))?
        .to_string())
}

fn verify(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// Creates the account or sets its role and password.
pub fn add_user(store: &Store, name: &str, role: Role, password: &str) -> Result<()> {
    if name.trim().is_empty() || name.len() > 64 {
        return Err(anyhow!("a user name is 1 to 64 characters"));
    }
    if password.chars().count() < 12 {
        return Err(anyhow!("a password has at least 12 characters"));
    }
    store.put_staff_user(name, role, &hash_password(password)?, crate::time::now())?;
    Ok(())
}

/// The outcome of a login attempt.
#[derive(Debug, PartialEq, Eq)]
pub enum Login {
    /// A new session: its token and CSRF token.
    Ok {
        token: String,
    },
    Wrong,
    /// Too many wrong passwords for this name lately: refused without looking at the
    /// password, for this many more seconds.
    Locked {
        seconds: i64,
    },
}

/// Checks `name`'s password; counts wrong ones, refuses while locked.
pub fn login(store: &Store, name: &str, password: &str, now: i64) -> Result<Login> {
    let failures = store.failed_logins_since(name, now - LOCK_WINDOW)?;
    if failures >= LOCK_AFTER {
        return Ok(Login::Locked {
            seconds: LOCK_WINDOW,
        });
    }
    let ok = match store.staff_user(name)? {
        Some((hash, _)) => verify(password, &hash),
        None => {
            // As slow as a real check, so timing does not tell which names exist.
            let _ = verify(password, DUMMY_HASH);
            false
        }
    };
    if !ok {
        store.record_failed_login(name, now)?;
        return Ok(Login::Wrong);
    }
    store.clear_failed_logins(name)?;
    let token = token();
    store.create_staff_session(&token, name, &self::token(), now + SESSION_SECONDS)?;
    Ok(Login::Ok { token })
}

/// The session behind a cookie value.
pub fn session(store: &Store, token: &str, now: i64) -> Result<Option<StaffSession>> {
    Ok(store.staff_session(token, now)?)
}

/// An Argon2id hash of a random password, verified against when the name is unknown.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$2Zn4a7o5GbUZ8yXlOzUqgl3H0J8FZbq0cc6m3sLwFjE";
