// The storefront: a front end built from the shared defaults in specs/lib.
local lib = import 'service.libsonnet';

lib.frontend('web', 'storefront') {
  replicas: { prod: 3, sandbox: 1 },
  flags: [{ name: 'dark-mode', default: true, enabledIn: ['prod'] }],
  loadtest: { rate: 20, requests: [{ path: '/' }, { method: 'HEAD', path: '/healthz' }] },
}
