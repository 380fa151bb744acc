//! Diesel schema shared by both backends (the migrations under `migrations/` are kept in step).

diesel::table! {
    circonscriptions (code) {
        code -> Text,
        name -> Text,
        reliability -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    organisations (id) {
        id -> Text,
        kind -> Text,
        name -> Text,
        siren -> Nullable<Text>,
        circonscription_code -> Nullable<Text>,
        contact_email -> Nullable<Text>,
        active -> Bool,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        address -> Nullable<Text>,
    }
}

diesel::table! {
    principals (id) {
        id -> Text,
        org_id -> Text,
        kind -> Text,
        login -> Text,
        display_name -> Text,
        email -> Nullable<Text>,
        secret_hash -> Text,
        roles -> Text,
        active -> Bool,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    communes (insee_code) {
        insee_code -> Text,
        name -> Text,
        postal_code -> Text,
    }
}

diesel::table! {
    commune_circonscriptions (id) {
        id -> Text,
        insee_code -> Text,
        circonscription_code -> Text,
        valid_from -> Date,
        valid_to -> Nullable<Date>,
        reliability -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    offences (id) {
        id -> Text,
        code -> Text,
        label -> Text,
        defining_articles -> Text,
        penalty_articles -> Text,
        nature -> Text,
        contravention_class -> Nullable<Integer>,
        natinf -> Nullable<Integer>,
        max_penalty -> Nullable<Text>,
        cmsp_limb -> Bool,
        tadpr_eligible -> Bool,
        app_excluded -> Bool,
        regime_b_allowed -> Bool,
        afd_available -> Bool,
        reliability -> Text,
        note -> Nullable<Text>,
        source -> Text,
        catalogue_version -> Text,
        valid_from -> Date,
        valid_to -> Nullable<Date>,
        search_text -> Text,
        updated_at -> Timestamp,
        max_prison_months -> Nullable<BigInt>,
        in_force_from -> Nullable<Date>,
        versions -> Text,
    }
}

diesel::table! {
    reference_versions (name) {
        name -> Text,
        version -> Text,
        loaded_at -> Timestamp,
    }
}

diesel::table! {
    audit_chain_heads (chain) {
        chain -> Text,
        seq -> BigInt,
        hash -> Text,
    }
}

diesel::table! {
    audit_events (id) {
        id -> Text,
        chain -> Text,
        seq -> BigInt,
        at -> Timestamp,
        actor -> Text,
        actor_org_id -> Nullable<Text>,
        org_id -> Nullable<Text>,
        action -> Text,
        resource_type -> Text,
        resource_id -> Text,
        request_id -> Nullable<Text>,
        state_hash -> Text,
        prev_hash -> Text,
        hash -> Text,
    }
}

diesel::table! {
    idempotency_keys (principal, idem_key) {
        principal -> Text,
        idem_key -> Text,
        request_hash -> Text,
        status -> Integer,
        body -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    token_revocations (id) {
        id -> Text,
        scope -> Text,
        subject -> Text,
        below_version -> Nullable<BigInt>,
        revoked_at -> Timestamp,
        expires_at -> Timestamp,
        reason -> Text,
    }
}

diesel::table! {
    bans (id) {
        id -> Text,
        org_id -> Text,
        prefecture_id -> Text,
        residence_id -> Text,
        circonscription_code -> Nullable<Text>,
        start_on -> Date,
        end_on -> Date,
        procureur_informed_on -> Date,
        bailleur_acknowledged_at -> Nullable<Timestamp>,
        police_acknowledged_at -> Nullable<Timestamp>,
        content -> Text,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    injunctions (id) {
        id -> Text,
        org_id -> Text,
        prefecture_id -> Text,
        residence_id -> Nullable<Text>,
        status -> Text,
        next_deadline -> Nullable<Date>,
        alerted_deadline -> Nullable<Date>,
        content -> Text,
        procedure -> Text,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    login_failures (login_key) {
        login_key -> Text,
        failures -> BigInt,
        last_failure_at -> Timestamp,
        locked_until -> Nullable<Timestamp>,
    }
}

diesel::joinable!(principals -> organisations (org_id));
diesel::joinable!(commune_circonscriptions -> communes (insee_code));
diesel::joinable!(commune_circonscriptions -> circonscriptions (circonscription_code));

diesel::table! {
    residences (id) {
        id -> Text,
        org_id -> Text,
        external_ref -> Text,
        name -> Text,
        address -> Text,
        insee_code -> Text,
        buildings -> Text,
        qpv -> Bool,
        guarded_l271_1 -> Bool,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    staff (id) {
        id -> Text,
        org_id -> Text,
        external_ref -> Nullable<Text>,
        first_name -> Text,
        last_name -> Text,
        role -> Text,
        sworn_guard -> Bool,
        active -> Bool,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    incidents (id) {
        id -> Text,
        org_id -> Text,
        residence_id -> Text,
        building -> Nullable<Text>,
        entrance -> Nullable<Text>,
        common_part -> Nullable<Text>,
        occurred_at -> Timestamp,
        ended_at -> Nullable<Timestamp>,
        reported_at -> Timestamp,
        category -> Text,
        narrative -> Text,
        victims -> Text,
        persons -> Text,
        witnesses -> Text,
        evidence -> Text,
        external_ref -> Nullable<Text>,
        request_hash -> Nullable<Text>,
        status -> Text,
        action_kind -> Nullable<Text>,
        insee_code -> Text,
        circonscription_code -> Nullable<Text>,
        shared_with_police -> Bool,
        restricted -> Bool,
        prescription_date -> Nullable<Date>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    incident_qualifications (incident_id, offence_code) {
        incident_id -> Text,
        offence_code -> Text,
        aggravating -> Text,
        added_at -> Timestamp,
    }
}

diesel::table! {
    designations (id) {
        id -> Text,
        role -> Text,
        org_id -> Text,
        person_id -> Text,
        substitute_id -> Nullable<Text>,
        valid_from -> Date,
        valid_to -> Nullable<Date>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    sworn_agents (id) {
        id -> Text,
        org_id -> Text,
        staff_id -> Text,
        principal_id -> Nullable<Text>,
        regime -> Text,
        file -> Text,
        agrement_end -> Nullable<Date>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        request_pending -> Bool,
    }
}

diesel::table! {
    pv_counters (org_id, year) {
        org_id -> Text,
        year -> BigInt,
        last_seq -> BigInt,
    }
}

diesel::table! {
    pv_transmissions (id) {
        id -> Text,
        org_id -> Text,
        parquet_id -> Text,
        transmitted_on -> Date,
        mode -> Text,
        proof_reference -> Text,
        opj -> Nullable<Text>,
        created_by -> Text,
        acknowledged_at -> Nullable<Timestamp>,
        acknowledged_by -> Nullable<Text>,
        version -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    pvs (id) {
        id -> Text,
        org_id -> Text,
        agent_id -> Text,
        year -> BigInt,
        seq -> BigInt,
        number -> Text,
        revision -> BigInt,
        previous_id -> Nullable<Text>,
        superseded_by -> Nullable<Text>,
        status -> Text,
        found_at -> Timestamp,
        found_on -> Date,
        deadline -> Date,
        residence_id -> Text,
        content -> Text,
        signed_at -> Nullable<Timestamp>,
        signed_by -> Nullable<Text>,
        content_hash -> Nullable<Text>,
        document -> Nullable<Text>,
        transmission_id -> Nullable<Text>,
        transmitted_on -> Nullable<Date>,
        void -> Bool,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    pv_incidents (pv_id, incident_id) {
        pv_id -> Text,
        incident_id -> Text,
    }
}

diesel::table! {
    complaints (id) {
        id -> Text,
        org_id -> Text,
        status -> Text,
        channel -> Text,
        circonscription_code -> Nullable<Text>,
        parquet_id -> Nullable<Text>,
        incident_ids -> Text,
        qualifications -> Text,
        content -> Text,
        orientation -> Nullable<Text>,
        with_reparation -> Bool,
        receipt -> Nullable<Text>,
        tadpr -> Text,
        filed_at -> Nullable<Timestamp>,
        registered_at -> Nullable<Timestamp>,
        transmitted_at -> Nullable<Timestamp>,
        oriented_at -> Nullable<Timestamp>,
        outcome_at -> Nullable<Timestamp>,
        closed_at -> Nullable<Timestamp>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    complaint_incidents (complaint_id, incident_id) {
        complaint_id -> Text,
        incident_id -> Text,
    }
}

diesel::table! {
    notifications (id) {
        id -> Text,
        recipient_org_id -> Text,
        recipient_person_id -> Nullable<Text>,
        contact_role -> Text,
        event_type -> Text,
        resource_type -> Text,
        resource_id -> Text,
        summary -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    event_counter (id) {
        id -> BigInt,
        last_seq -> BigInt,
    }
}

diesel::table! {
    events (seq) {
        seq -> BigInt,
        id -> Text,
        event_type -> Text,
        resource_type -> Text,
        resource_id -> Text,
        org_id -> Text,
        circonscription_code -> Nullable<Text>,
        parquet_id -> Nullable<Text>,
        restricted -> Bool,
        data -> Text,
        created_at -> Timestamp,
        for_prefecture -> Bool,
    }
}

diesel::table! {
    prescription_alerts (incident_id, threshold_days) {
        incident_id -> Text,
        threshold_days -> Integer,
        alerted_at -> Timestamp,
    }
}

diesel::table! {
    journal.access_journal_heads (chain) {
        chain -> Text,
        seq -> BigInt,
        hash -> Text,
    }
}

diesel::table! {
    journal.access_journal (id) {
        id -> Text,
        chain -> Text,
        seq -> BigInt,
        at -> Timestamp,
        reader -> Text,
        reader_org_id -> Nullable<Text>,
        purpose -> Text,
        resource_type -> Text,
        resource_ids -> Text,
        request_id -> Nullable<Text>,
        prev_hash -> Text,
        hash -> Text,
    }
}

diesel::table! {
    webhook_subscriptions (id) {
        id -> Text,
        org_id -> Text,
        url -> Text,
        event_types -> Text,
        secret -> Text,
        active -> Bool,
        last_enqueued_seq -> BigInt,
        previous_secret -> Nullable<Text>,
        previous_secret_expires_at -> Nullable<Timestamp>,
        created_by -> Text,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    webhook_deliveries (id) {
        id -> Text,
        subscription_id -> Text,
        event_seq -> BigInt,
        status -> Text,
        attempts -> BigInt,
        next_attempt_at -> Timestamp,
        locked_until -> Nullable<Timestamp>,
        last_status_code -> Nullable<BigInt>,
        last_error -> Nullable<Text>,
        delivered_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    imports (id) {
        id -> Text,
        org_id -> Text,
        created_by -> Text,
        format -> Text,
        mode -> Text,
        dry_run -> Bool,
        status -> Text,
        total_rows -> BigInt,
        processed_rows -> BigInt,
        created_count -> BigInt,
        updated_count -> BigInt,
        unchanged_count -> BigInt,
        failed_count -> BigInt,
        message -> Nullable<Text>,
        created_at -> Timestamp,
        finished_at -> Nullable<Timestamp>,
        owner -> Nullable<Text>,
        heartbeat_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    import_errors (import_id, line) {
        import_id -> Text,
        line -> BigInt,
        field -> Text,
        code -> Text,
        message -> Text,
    }
}

diesel::joinable!(incident_qualifications -> incidents (incident_id));
diesel::joinable!(incidents -> residences (residence_id));

diesel::table! {
    legal_holds (id) {
        id -> Text,
        org_id -> Text,
        record_type -> Text,
        record_id -> Text,
        reason -> Text,
        placed_by -> Text,
        placed_by_org_id -> Text,
        placed_at -> Timestamp,
        released_at -> Nullable<Timestamp>,
        released_by -> Nullable<Text>,
        version -> BigInt,
    }
}

diesel::table! {
    anonymisations (record_type, record_id) {
        record_type -> Text,
        record_id -> Text,
        org_id -> Text,
        basis -> Text,
        ended_on -> Date,
        run_id -> Text,
        anonymised_at -> Timestamp,
    }
}

diesel::table! {
    retention_runs (id) {
        id -> Text,
        day -> Date,
        scheduled -> Bool,
        dry_run -> Bool,
        org_id -> Nullable<Text>,
        started_by -> Text,
        owner -> Text,
        heartbeat_at -> Timestamp,
        started_at -> Timestamp,
        finished_at -> Nullable<Timestamp>,
        examined -> BigInt,
        anonymised -> BigInt,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    circonscriptions,
    organisations,
    principals,
    communes,
    commune_circonscriptions,
    offences,
    reference_versions,
    audit_chain_heads,
    audit_events,
    idempotency_keys,
    residences,
    staff,
    incidents,
    incident_qualifications,
    designations,
    sworn_agents,
    pv_counters,
    pv_transmissions,
    pvs,
    pv_incidents,
    complaints,
    complaint_incidents,
    notifications,
    event_counter,
    events,
    webhook_subscriptions,
    webhook_deliveries,
    access_journal,
    access_journal_heads,
    prescription_alerts,
    imports,
    import_errors,
    token_revocations,
    login_failures,
    injunctions,
    bans,
    legal_holds,
    anonymisations,
    retention_runs,
);
