// Shared defaults for front-end services: what every web app of ours runs with.
{
  frontend(name, team):: {
    name: name,
    team: team,
    port: 3000,
    health: '/healthz',
    resources: { cpu: '100m', memory: '128Mi' },
    slos: [
      { name: 'availability', objective: 99.9, sli: 'availability' },
      { name: 'latency', objective: 99, sli: 'latency', threshold: '500ms', alerting: { ticket: true, page: false } },
    ],
  },
}
