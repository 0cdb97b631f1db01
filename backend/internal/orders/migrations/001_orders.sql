-- Orders of the reference service. Idempotent: applied at every start.
CREATE TABLE IF NOT EXISTS orders (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    sku        text        NOT NULL CHECK (char_length(sku) BETWEEN 1 AND 64),
    qty        integer     NOT NULL CHECK (qty BETWEEN 1 AND 1000),
    created_at timestamptz NOT NULL DEFAULT now()
);
