/// Leadership of a site's coordinators, as a lease in PostgreSQL: one row per site with the
/// holder, the time it expires and a monotonically increasing **epoch**, the fencing token. A
/// coordinator takes the lease only once the last holder's has expired, and each take raises the
/// epoch; the holder renews it while it runs. Every journal write of the active coordinator runs
/// in a `fencedTransaction`, which renews the lease in the same transaction and fails when the
/// epoch is no longer the site's: a coordinator paused past its lease can write nothing, and
/// since it publishes nothing it has not journaled, it can grant nothing.
///
/// PostgreSQL's row lock on the lease serialises the two: a take waits for a fenced transaction
/// in flight, and then sees the renewed expiry; a fenced transaction after a take sees the new
/// epoch. The server's clock is the only clock the lease reads.
public struct LeaderLease: Sendable {
    /// A lease taken: its epoch and how long it runs without renewal.
    public struct Term: Sendable, Equatable {
        /// The fencing token: higher than every earlier holder's.
        public var epoch: UInt64
        /// The holder's name (its coordinator instance).
        public var holder: String
        /// Seconds until it expires, as the server saw it when read.
        public var remaining: Double
    }

    /// Why a fenced transaction did not run.
    public enum Refusal: Error, Equatable, Sendable, CustomStringConvertible {
        /// The epoch is no longer the site's (another coordinator took the lease), or it expired.
        case fenced(epoch: UInt64)

        /// A sentence naming the problem.
        public var description: String {
            switch self {
            case .fenced(let epoch): "epoch \(epoch) is fenced: another coordinator holds the site's lease, or it expired"
            }
        }
    }

    /// The site the lease is for.
    public let site: String
    /// This coordinator instance's name.
    public let holder: String
    /// Seconds a take or a renewal runs.
    public let duration: Double
    private let connection: PostgresConnection

    /// The lease of `site` for the instance `holder`, on `connection`; creates its table if the
    /// database has none.
    public init(connection: PostgresConnection, site: String, holder: String, duration: Double) throws(PostgresError) {
        self.connection = connection
        self.site = site
        self.holder = holder
        self.duration = duration
        try connection.execute(
            """
            CREATE TABLE IF NOT EXISTS lane_lease(site TEXT PRIMARY KEY, epoch BIGINT NOT NULL, holder TEXT NOT NULL,
                expires TIMESTAMPTZ NOT NULL)
            """)
    }

    /// Takes the lease if nobody holds a live one: the new epoch, or nil while another's runs.
    public func take() throws(PostgresError) -> UInt64? {
        let rows = try connection.execute(
            """
            INSERT INTO lane_lease(site, epoch, holder, expires) VALUES($1, 1, $2, now() + $3::double precision * interval '1 second')
            ON CONFLICT(site) DO UPDATE SET epoch = lane_lease.epoch + 1, holder = excluded.holder, expires = excluded.expires
            WHERE lane_lease.expires <= now()
            RETURNING epoch
            """, [.text(site), .text(holder), .real(duration)])
        guard case .integer(let epoch) = rows.rows.first?.first else { return nil }
        return UInt64(epoch)
    }

    /// Renews the lease of `epoch`: false if it is no longer this holder's (fenced).
    public func renew(epoch: UInt64) throws(PostgresError) -> Bool {
        try renewal(epoch: epoch).count == 1
    }

    /// Gives the lease up at once (a clean shutdown), so that a standby need not wait for it to
    /// expire.
    public func release(epoch: UInt64) throws(PostgresError) {
        try connection.execute(
            "UPDATE lane_lease SET expires = now() WHERE site = $1 AND epoch = $2 AND holder = $3",
            [.text(site), .integer(Int64(epoch)), .text(holder)])
    }

    /// The lease as it stands: nil if nobody ever took it.
    public func current() throws(PostgresError) -> Term? {
        let rows = try connection.execute(
            "SELECT epoch, holder, EXTRACT(EPOCH FROM expires - now())::double precision FROM lane_lease WHERE site = $1", [.text(site)])
        guard let row = rows.rows.first, case .integer(let epoch) = row[0], case .text(let holder) = row[1], case .real(let left) = row[2]
        else { return nil }
        return Term(epoch: UInt64(epoch), holder: holder, remaining: left)
    }

    /// Runs `body` in one transaction that first renews the lease of `epoch`; throws
    /// `Refusal.fenced` (and runs nothing) if the epoch is no longer this holder's live lease.
    @discardableResult
    public func fencedTransaction<T>(epoch: UInt64, _ body: () throws -> T) throws -> T {
        try connection.transaction {
            guard try renewal(epoch: epoch).count == 1 else { throw Refusal.fenced(epoch: epoch) }
            return try body()
        }
    }

    private func renewal(epoch: UInt64) throws(PostgresError) -> PostgresRows {
        try connection.execute(
            """
            UPDATE lane_lease SET expires = now() + $4::double precision * interval '1 second'
            WHERE site = $1 AND epoch = $2 AND holder = $3 AND expires > now() RETURNING epoch
            """, [.text(site), .integer(Int64(epoch)), .text(holder), .real(duration)])
    }
}
