-- An order waits as pending until the worker processes it; the service
-- exports the number waiting as orders_queue_depth. Idempotent: applied at
-- every start. The partial index keeps counting the waiting orders cheap
-- however many processed ones the table holds.
ALTER TABLE orders ADD COLUMN IF NOT EXISTS status text NOT NULL DEFAULT 'pending'
    CHECK (status IN ('pending', 'processed'));
CREATE INDEX IF NOT EXISTS orders_pending ON orders (id) WHERE status = 'pending';
