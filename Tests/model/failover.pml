/*
 * The failover protocol of the lane coordinator, for SPIN (docs/safety.md, "The failover model").
 *
 * Two coordinators share one store (PostgreSQL) that holds the lease, its epoch (the fencing
 * token) and the journal. Two trucks want one segment of lane: a zone where only one truck may
 * be. Orders to a truck are lost or delayed: a coordinator can stop for any time between its
 * journal write and its publish, so an order can arrive after orders of the other coordinator.
 * A truck's state report is its latest (as VDA 5050 state on the broker): each coordinator
 * reads it whenever it comes to it, so it may act on a report that is old. A coordinator can be
 * paused past its lease (it goes on believing it is active: split brain) or killed and
 * restarted as a standby.
 *
 * What the code does, as the model has it:
 *  - a standby becomes active by taking an expired lease, which raises the epoch, and reads
 *    the journal (it has followed it all along) into its own copy;
 *  - it decides from its own copy of the journal, never from the store directly, and checks its
 *    lease before each decision; the lease can still run out between that check and the
 *    publish (the coordinator was paused), which is the split brain the fencing must survive;
 *  - every journal write is conditional on the lease: the store's epoch is the writer's and the
 *    lease has not expired (Sources/LaneCoordinator/PostgresJournal.swift); a refused write
 *    sends nothing and the coordinator steps down to standby;
 *  - nothing is sent that was not journaled first: a grant is journaled (the segment's holder)
 *    before it is sent;
 *  - an operator's hold withdraws the holder's grant (a stop): journaled as pending, complete
 *    only when the truck reports, in the withdrawing coordinator's epoch, that it holds none;
 *  - every order carries its coordinator's epoch; a truck refuses one from an epoch lower than
 *    the highest it has seen (simulators/TruckAgent).
 *
 * Variants that must fail (Tests/model/check.sh runs them): -DNOFENCE (writes not conditional
 * on the lease) and -DNOEPOCHCHECK (trucks obey any epoch) each let two trucks into the segment.
 */

#define NC 2            /* coordinators */
#define NT 2            /* trucks */
#define NONE 255
#ifndef MAXFAULTS
#define MAXFAULTS 2     /* leases lost: a pause past the lease, or a kill and restart */
#endif
#define MAXLOSSES 1     /* orders lost */
#define MAXHOLDS 1      /* operator holds (withdrawals of a grant) */

mtype = { IDLE, HAS, INSIDE, PASSED };   /* a truck's state, as it reports it */
mtype = { GRANT, STOP };                 /* orders */

/* The store: the lease and the journal. */
byte epoch = 0;         /* the lease's epoch; 0: never taken */
byte owner = NONE;      /* who took it last */
bool live = false;      /* the lease has not expired */
byte holder = NONE;     /* journal: the truck whose grant covers the segment */
bool stopping = false;  /* journal: the holder's grant is being withdrawn */
bool passedJ[NT];       /* journal: the truck has passed the segment */

chan order[NT] = [1] of { mtype, byte };  /* to truck t: kind, the sender's epoch */
mtype reported[NT];                       /* truck t's latest state report ... */
byte reportedEpoch[NT];                   /* ... with the highest epoch it has seen */

/* Ghosts, for the properties only. */
byte inside = 0;        /* trucks in the segment */
byte faults = 0;
byte losses = 0;
byte holds = 0;

#ifdef NOFENCE
#define REFUSED(e) false
#else
#define REFUSED(e) (epoch != e || !live)
#endif

/* Publishes an order (a full channel keeps its older order; a later report brings the next). */
inline send(t, kind, e) {
    if
    :: nfull(order[t]) -> order[t]!kind, e
    :: nfull(order[t]) && losses < MAXLOSSES -> losses++
    :: full(order[t]) -> skip
    fi
}

proctype Coordinator(byte me) {
    byte mine = 0;              /* the epoch of my lease while I believe I am active */
    byte h = NONE;              /* my copy of the journal */
    bool stp = false;
    bool pj[NT];
    byte t, e;
    mtype st, kind;     /* the report read; the order to publish */
    byte turn = 0;      /* the truck whose report is read next */
    bool ok;

standby:
    skip;
    d_step { mine = 0; h = NONE; stp = false; pj[0] = false; pj[1] = false; ok = false };
end_standby:
    /* a standby follows the journal and answers no truck; it takes an expired lease */
    atomic { !live -> epoch++; owner = me; live = true; mine = epoch;
             h = holder; stp = stopping; pj[0] = passedJ[0]; pj[1] = passedJ[1] };

end_leading:
    do
    :: /* the latest report of a truck: decided and journaled in one step; published after */
        atomic {
            t = turn; turn = 1 - turn;      /* each truck in turn */
            st = reported[t]; e = reportedEpoch[t]; ok = true; kind = 0;
            if
            :: REFUSED(mine) ->
                ok = false      /* its lease is gone (each step checks it): it steps down */
            :: st == PASSED && h == t ->
                ok = !REFUSED(mine);
                if :: ok -> holder = NONE; stopping = false; passedJ[t] = true; h = NONE; stp = false; pj[t] = true :: else -> skip fi
            :: st == IDLE && h == t && stp && e == mine ->
                /* the truck confirms, in my epoch, that it holds no grant: the withdrawal is complete */
                ok = !REFUSED(mine);
                if :: ok -> holder = NONE; stopping = false; h = NONE; stp = false :: else -> skip fi
            :: st != INSIDE && st != PASSED && h == t && stp && e != mine ->
                kind = STOP     /* the withdrawal again: the truck has not confirmed it */
            :: st == IDLE && !pj[t] && (h == NONE || (h == t && !stp)) ->
                /* a grant (again, if the last was lost); a truck that reports one is not sent more */
                ok = !REFUSED(mine);
                if :: ok -> holder = t; h = t; kind = GRANT :: else -> skip fi
            :: else -> skip
            fi;
            st = 0; e = 0
        };
        if
        :: !ok -> goto standby
        :: ok && kind != 0 -> send(t, kind, mine)
        :: ok && kind == 0 -> skip
        fi;
        d_step { t = 0; kind = 0; ok = false }     /* forgotten: not part of the state */
    :: h != NONE && !stp && holds < MAXHOLDS ->
        /* an operator's hold: withdraw the holder's grant */
        atomic { ok = !REFUSED(mine); if :: ok -> stopping = true; holds++ :: else -> skip fi };
        if :: ok -> stp = true; ok = false; send(h, STOP, mine) :: else -> goto standby fi
    :: atomic { faults < MAXFAULTS -> faults++; if :: owner == me -> live = false :: else -> skip fi };
        goto standby    /* killed (kill -9) and restarted as a standby; its lease runs out */
    od
}

/* The lease runs out under the active coordinator at any point, even between its journal
   write and its publish: it was paused (SIGSTOP) past its lease and resumes believing it is
   active (split brain), or the store's clock ran past the lease. */
proctype Lease() {
end:
    do
    :: atomic { live && faults < MAXFAULTS -> faults++; live = false }
    od
}

proctype Truck(byte me) {
    byte seen = 0;
    mtype st = IDLE;
    mtype kind;
    byte e;

    do
    :: atomic {
        order[me]?kind, e ->
#ifdef NOEPOCHCHECK
        if :: e > seen -> seen = e :: else -> skip fi;
#else
        /* an order from an epoch lower than one seen is refused */
        if :: e < seen -> goto refused :: else -> seen = e fi;
#endif
        if
        :: kind == GRANT && st == IDLE -> st = HAS
        :: kind == STOP && st == HAS -> st = IDLE
        :: else -> skip
        fi;
refused:
        reported[me] = st; reportedEpoch[me] = seen; kind = 0; e = 0
    }
    :: atomic {
        st == HAS ->
        st = INSIDE; inside++;
        assert(inside <= 1);        /* never two trucks in the segment */
        assert(holder == me);       /* the grant it obeys is in the journal */
        reported[me] = st
    }
    :: atomic { st == INSIDE -> st = PASSED; inside--; reported[me] = st }
    :: st == PASSED && passedJ[me] -> break
    od
}

init {
    atomic {
        reported[0] = IDLE; reported[1] = IDLE;
        run Coordinator(0); run Coordinator(1);
        run Truck(0); run Truck(1); run Lease()
    }
}

/* Every truck eventually passes the segment (under weak fairness, with the faults bounded). */
ltl everyTruckMoves { <> (reported[0] == PASSED && reported[1] == PASSED) }
