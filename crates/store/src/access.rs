//! The access generation (R11, B5; migration 14): a counter every change
//! that revokes or narrows access moves on in its own transaction, and that
//! every cached answer about access is held against, so a change made by
//! another server or the command line is heard at the next request.

/// Moves the access generation on, inside the transaction of a change that
/// revokes or narrows access (R11): from its commit on, no server answers
/// from what it kept before, whichever process made the change.
pub(crate) async fn narrow(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE access_generation SET generation = generation + 1 WHERE id = 1")
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The access generation now stored: one row by its key.
pub(crate) async fn generation(pool: &sqlx::AnyPool) -> Result<i64, sqlx::Error> {
    let row = sqlx::query("SELECT generation FROM access_generation WHERE id = 1")
        .fetch_one(pool)
        .await?;
    crate::rows::int(&row, "generation")
}
