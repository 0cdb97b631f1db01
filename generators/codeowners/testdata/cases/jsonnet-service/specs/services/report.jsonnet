{ name: 'report', team: 'data', port: 8080, secrets: ['token'] }
