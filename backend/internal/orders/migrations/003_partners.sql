-- The partner API (backend/partners): the partner that created an order
-- (NULL for orders of the internal /v1 API), and whether an order is one of
-- the demo orders DEMO_DATA seeds, which every partner sees. Idempotent:
-- applied at every start. A constant default adds a column without
-- rewriting the table.
ALTER TABLE orders ADD COLUMN IF NOT EXISTS partner text CHECK (partner <> '');
ALTER TABLE orders ADD COLUMN IF NOT EXISTS demo boolean NOT NULL DEFAULT false;
-- A partner lists its own orders, newest first.
CREATE INDEX IF NOT EXISTS orders_partner ON orders (partner, id) WHERE partner IS NOT NULL;
-- One demo order per SKU, so that seeding at every start inserts each once,
-- however many replicas start together.
CREATE UNIQUE INDEX IF NOT EXISTS orders_demo_sku ON orders (sku) WHERE demo;
