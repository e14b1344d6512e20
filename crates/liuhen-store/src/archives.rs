//! 电子案卷归档包: the package of a case as assembled, and the files of its payload.

use liuhen_domain::{ArchiveId, CaseId, UnitId, UserId};
use sqlx::any::AnyRow;
use time::OffsetDateTime;

use crate::error::{Result, StoreError};
use crate::rows::{col, from_ms, parsed, time_ms, to_ms};
use crate::{Tx, Write};

/// A package as assembled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredArchive {
    pub id: ArchiveId,
    pub case_id: CaseId,
    pub agency_id: UnitId,
    /// 档号.
    pub file_no: String,
    /// The size of the tree of the checkpoint the payload's proofs are made against.
    pub checkpoint_size: u64,
    /// SHA-256 of `manifest-sha256.txt` and SM3 of `manifest-sm3.txt`, hex.
    pub manifest_sha256: String,
    pub manifest_sm3: String,
    /// The ledger index of the `archive.assembled` entry.
    pub entry_seq: u64,
    /// `bag-info.txt` labels and values, as JSON `[[label, value], …]`.
    pub bag_info: String,
    /// The 四性检测 report, JSON.
    pub report: String,
    pub created_by: UserId,
    pub created_at: OffsetDateTime,
    /// The retention class code (保管期限代码) it was numbered in.
    pub retention_class: String,
    /// The last day it is kept, `YYYY-MM-DD`; `None`: 永久.
    pub retain_until: Option<String>,
    /// Why that class, JSON `["layer: class — basis", …]`.
    pub retention_basis: String,
    /// When it was destroyed (销毁): its content is gone, its digests stay.
    pub destroyed_at: Option<OffsetDateTime>,
}

/// One payload file: text liuhen wrote, or a copy of an original.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArchiveFile {
    pub path: String,
    pub size: u64,
    pub sha256: String,
    pub sm3: String,
    /// The original (by its SHA-256) the file copies.
    pub original: Option<String>,
    /// The file's text, when liuhen wrote it.
    pub content: Option<String>,
}

fn u64_of(row: &AnyRow, name: &str) -> Result<u64> {
    let v: i64 = col(row, name)?;
    u64::try_from(v).map_err(|_| StoreError::Corrupt(format!("archive {name} {v}")))
}

fn archive_from_row(row: &AnyRow) -> Result<StoredArchive> {
    Ok(StoredArchive {
        id: parsed(row, "id")?,
        case_id: parsed(row, "case_id")?,
        agency_id: parsed(row, "agency_id")?,
        file_no: col(row, "file_no")?,
        checkpoint_size: u64_of(row, "checkpoint_size")?,
        manifest_sha256: col(row, "manifest_sha256")?,
        manifest_sm3: col(row, "manifest_sm3")?,
        entry_seq: u64_of(row, "entry_seq")?,
        bag_info: col(row, "bag_info")?,
        report: col(row, "report")?,
        created_by: parsed(row, "created_by")?,
        created_at: time_ms(row, "created_ms")?,
        retention_class: col(row, "retention_class")?,
        retain_until: col(row, "retain_until")?,
        retention_basis: col(row, "retention_basis")?,
        destroyed_at: col::<Option<i64>>(row, "destroyed_ms")?.map(|ms| from_ms(ms, 0)).transpose()?,
    })
}

const COLUMNS: &str = "id, case_id, agency_id, file_no, checkpoint_size, manifest_sha256, manifest_sm3, \
                       entry_seq, bag_info, report, created_by, created_ms, retention_class, retain_until, \
                       retention_basis, destroyed_ms";

impl<M> Tx<M> {
    /// A package by its id.
    pub async fn archive(&mut self, id: ArchiveId) -> Result<Option<StoredArchive>> {
        sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM archives WHERE id = $1")))
            .bind(id.to_string())
            .fetch_optional(self.conn())
            .await?
            .as_ref()
            .map(archive_from_row)
            .transpose()
    }

    /// The package of a case, if it has one.
    pub async fn case_archive(&mut self, case: CaseId) -> Result<Option<StoredArchive>> {
        sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM archives WHERE case_id = $1")))
            .bind(case.to_string())
            .fetch_optional(self.conn())
            .await?
            .as_ref()
            .map(archive_from_row)
            .transpose()
    }

    /// Every package's id not destroyed, oldest first.
    pub async fn archive_ids(&mut self) -> Result<Vec<ArchiveId>> {
        sqlx::query("SELECT id FROM archives WHERE destroyed_ms IS NULL ORDER BY created_ms, id")
            .fetch_all(self.conn())
            .await?
            .iter()
            .map(|row| parsed(row, "id"))
            .collect()
    }

    /// A package's payload files, by path.
    pub async fn archive_files(&mut self, id: ArchiveId) -> Result<Vec<ArchiveFile>> {
        sqlx::query(
            "SELECT path, size, sha256, sm3, original, content FROM archive_files WHERE archive_id = $1 \
             ORDER BY path",
        )
        .bind(id.to_string())
        .fetch_all(self.conn())
        .await?
        .iter()
        .map(|row| {
            Ok(ArchiveFile {
                path: col(row, "path")?,
                size: u64_of(row, "size")?,
                sha256: col(row, "sha256")?,
                sm3: col(row, "sm3")?,
                original: col(row, "original")?,
                content: col(row, "content")?,
            })
        })
        .collect()
    }
}

impl Tx<Write> {
    /// Stores a package and its files; [`StoreError::AlreadyExists`] when the case has one.
    pub async fn insert_archive(&mut self, a: &StoredArchive, files: &[ArchiveFile]) -> Result<()> {
        let big = |v: u64| i64::try_from(v).map_err(|_| StoreError::Corrupt(format!("archive size {v}")));
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO archives ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, \
             $14, $15, $16)"
        )))
        .bind(a.id.to_string())
        .bind(a.case_id.to_string())
        .bind(a.agency_id.to_string())
        .bind(&a.file_no)
        .bind(big(a.checkpoint_size)?)
        .bind(&a.manifest_sha256)
        .bind(&a.manifest_sm3)
        .bind(big(a.entry_seq)?)
        .bind(&a.bag_info)
        .bind(&a.report)
        .bind(a.created_by.to_string())
        .bind(to_ms(a.created_at))
        .bind(&a.retention_class)
        .bind(a.retain_until.clone())
        .bind(&a.retention_basis)
        .bind(a.destroyed_at.map(to_ms))
        .execute(self.conn())
        .await
        .map_err(|e| StoreError::from_sqlx(e, "package of this case"))?;
        for f in files {
            sqlx::query(
                "INSERT INTO archive_files (archive_id, path, size, sha256, sm3, original, content) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(a.id.to_string())
            .bind(&f.path)
            .bind(big(f.size)?)
            .bind(&f.sha256)
            .bind(&f.sm3)
            .bind(f.original.clone())
            .bind(f.content.clone())
            .execute(self.conn())
            .await
            .map_err(|e| StoreError::from_sqlx(e, "file of this package"))?;
        }
        Ok(())
    }
}
