{ team: 'payments', port: 3000 }
