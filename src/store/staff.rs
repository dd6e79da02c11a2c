//! The staff console's tables: accounts, sessions, failed logins, published FAQ versions and
//! the audit log. Passwords are stored only as the Argon2id hash the console computed;
//! nothing here holds patient text.

use super::*;

/// What a staff account may do; each role can do everything the one before it can.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    /// Reads the report.
    Viewer,
    /// Also edits the draft FAQ and uses the test pane.
    Editor,
    /// Also publishes drafts and restores versions.
    Reviewer,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Editor => "editor",
            Role::Reviewer => "reviewer",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "viewer" => Some(Role::Viewer),
            "editor" => Some(Role::Editor),
            "reviewer" => Some(Role::Reviewer),
            _ => None,
        }
    }
}

/// A logged-in staff member, found by the session cookie.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffSession {
    pub name: String,
    pub role: Role,
    /// The token every form of this session carries.
    pub csrf: String,
}

/// One published FAQ, as it went live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaqVersion {
    pub id: i64,
    pub author: String,
    pub created_at: i64,
    pub note: String,
    pub diff: String,
}

impl Store {
    /// Creates the account, or replaces its role and password hash.
    pub fn put_staff_user(&self, name: &str, role: Role, hash: &str, now: i64) -> Result<()> {
        self.write(|tx| {
            tx.tx.execute(
                "INSERT INTO staff_users (name, role, hash, created_at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (name) DO UPDATE SET role = excluded.role, hash = excluded.hash",
                params![name, role.as_str(), hash, now],
            )?;
            // A new password ends the sessions of the old one.
            tx.tx
                .execute("DELETE FROM staff_sessions WHERE name = ?1", [name])?;
            Ok(())
        })
    }

    /// The account's password hash and role.
    pub fn staff_user(&self, name: &str) -> Result<Option<(String, Role)>> {
        self.read(|c| {
            c.query_row(
                "SELECT hash, role FROM staff_users WHERE name = ?1",
                [name],
                |r| {
                    let role: String = r.get(1)?;
                    Ok((
                        r.get(0)?,
                        Role::parse(&role).ok_or_else(|| bad_value("role", &role))?,
                    ))
                },
            )
            .optional()
        })
    }

    /// Wrong passwords given for `name` at or after `since`.
    pub fn failed_logins_since(&self, name: &str, since: i64) -> Result<i64> {
        self.read(|c| {
            c.query_row(
                "SELECT COUNT(*) FROM staff_failed_logins WHERE name = ?1 AND at >= ?2",
                params![name, since],
                |r| r.get(0),
            )
        })
    }

    /// Records a wrong password for `name` (a name that has no account counts too, so the
    /// answer does not tell which names exist).
    pub fn record_failed_login(&self, name: &str, now: i64) -> Result<()> {
        self.write(|tx| {
            tx.tx.execute(
                "INSERT INTO staff_failed_logins (name, at) VALUES (?1, ?2)",
                params![name, now],
            )?;
            Ok(())
        })
    }

    /// After a good login: the count starts again.
    pub fn clear_failed_logins(&self, name: &str) -> Result<()> {
        self.write(|tx| {
            tx.tx
                .execute("DELETE FROM staff_failed_logins WHERE name = ?1", [name])?;
            Ok(())
        })
    }

    pub fn create_staff_session(
        &self,
        token: &str,
        name: &str,
        csrf: &str,
        expires_at: i64,
    ) -> Result<()> {
        self.write(|tx| {
            tx.tx.execute(
                "INSERT INTO staff_sessions (token, name, csrf, expires_at) VALUES (?1, ?2, ?3, ?4)",
                params![token, name, csrf, expires_at],
            )?;
            Ok(())
        })
    }

    /// The session behind `token`, unless it expired before `now`.
    pub fn staff_session(&self, token: &str, now: i64) -> Result<Option<StaffSession>> {
        self.read(|c| {
            c.query_row(
                "SELECT s.name, u.role, s.csrf FROM staff_sessions s
                 JOIN staff_users u ON u.name = s.name
                 WHERE s.token = ?1 AND s.expires_at > ?2",
                params![token, now],
                |r| {
                    let role: String = r.get(1)?;
                    Ok(StaffSession {
                        name: r.get(0)?,
                        role: Role::parse(&role).ok_or_else(|| bad_value("role", &role))?,
                        csrf: r.get(2)?,
                    })
                },
            )
            .optional()
        })
    }

    /// Logs out; also drops every expired session.
    pub fn end_staff_session(&self, token: &str, now: i64) -> Result<()> {
        self.write(|tx| {
            tx.tx.execute(
                "DELETE FROM staff_sessions WHERE token = ?1 OR expires_at <= ?2",
                params![token, now],
            )?;
            Ok(())
        })
    }

    /// Stores a published FAQ (its files as JSON) with the diff against the one before, and
    /// the audit line, in one transaction. Returns the version's number.
    pub fn add_faq_version(
        &self,
        author: &str,
        now: i64,
        note: &str,
        files_json: &str,
        diff: &str,
    ) -> Result<i64> {
        self.write(|tx| {
            let id: i64 = tx.tx.query_row(
                "INSERT INTO faq_versions (author, created_at, note, files, diff)
                 VALUES (?1, ?2, ?3, ?4, ?5) RETURNING id",
                params![author, now, note, files_json, diff],
                |r| r.get(0),
            )?;
            tx.tx.execute(
                "INSERT INTO audit_log (at, who, action, detail) VALUES (?1, ?2, 'publish', ?3)",
                params![now, author, format!("version {id}: {note}")],
            )?;
            Ok(id)
        })
    }

    /// Every published version, newest first.
    pub fn faq_versions(&self) -> Result<Vec<FaqVersion>> {
        self.read(|c| {
            c.prepare(
                "SELECT id, author, created_at, note, diff FROM faq_versions ORDER BY id DESC",
            )?
            .query_map([], |r| {
                Ok(FaqVersion {
                    id: r.get(0)?,
                    author: r.get(1)?,
                    created_at: r.get(2)?,
                    note: r.get(3)?,
                    diff: r.get(4)?,
                })
            })?
            .collect()
        })
    }

    /// The files (JSON) of version `id`.
    pub fn faq_version_files(&self, id: i64) -> Result<Option<String>> {
        self.read(|c| {
            c.query_row("SELECT files FROM faq_versions WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .optional()
        })
    }

    /// The audit log, newest first: (when, who, action, detail).
    pub fn audit_log(&self, limit: i64) -> Result<Vec<(i64, String, String, String)>> {
        self.read(|c| {
            c.prepare("SELECT at, who, action, detail FROM audit_log ORDER BY id DESC LIMIT ?1")?
                .query_map([limit], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
                })?
                .collect()
        })
    }

    /// Proves the database takes writes now (for `/readyz`): rewrites `user_version` with
    /// its own value in a committed transaction.
    pub fn probe_write(&self) -> Result<()> {
        self.write(|tx| {
            tx.tx
                .execute_batch(&format!("PRAGMA user_version = {SCHEMA_VERSION}"))?;
            Ok(())
        })
    }
}
