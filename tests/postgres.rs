//! What only the PostgreSQL backend does: its schema's guarantees, two writers on one chain,
//! and (as the application role) row-level security. The conformance suite (`storage.rs`)
//! runs every backend-independent check on it too. The cluster is the tests' own
//! (`support/pg.rs`).

mod support;

use support::pg;

#[test]
fn the_test_cluster_gives_each_test_a_database_of_its_own() {
    let first = pg::fresh_database();
    let second = pg::fresh_database();
    assert_ne!(first, second);
    let mut client = postgres::Client::connect(&first, postgres::NoTls).unwrap();
    let name: String = client
        .query_one("SELECT current_database()", &[])
        .unwrap()
        .get(0);
    assert_eq!(name, pg::database_of(&first));
    // The server is not run as root.
    let superuser: bool = client
        .query_one("SELECT rolsuper FROM pg_roles WHERE rolname = current_user", &[])
        .unwrap()
        .get(0);
    assert!(superuser, "the tests connect as the cluster's superuser");
}

