// Package server assembles the reference service: the orders API, health
// endpoints and metrics behind the logging and metrics middleware. It is a
// package, not main, so that tests build the very handler production runs.
package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/groundwork-dev/groundwork/backend/database"
	"github.com/groundwork-dev/groundwork/backend/internal/orders"
	"github.com/groundwork-dev/groundwork/backend/logging"
	"github.com/groundwork-dev/groundwork/backend/metrics"
	"github.com/groundwork-dev/groundwork/backend/partners"
)

// Server is the service's HTTP side.
type Server struct {
	cfg     Config
	log     *slog.Logger
	pool    *pgxpool.Pool
	handler http.Handler
}

// New builds the service on pool, which it does not migrate or close. Each
// Server has a registry and an OpenFeature API of its own, so tests can
// build several. It fails when cfg names a flag file it cannot read.
func New(pool *pgxpool.Pool, logger *slog.Logger, cfg Config) (*Server, error) {
	s := &Server{cfg: cfg.withDefaults(), log: logger, pool: pool}

	reg := metrics.NewRegistry(metrics.BuildInfo{})
	reg.MustRegister(metrics.NewPoolCollector(pool))
	httpMetrics := metrics.NewHTTP(reg, metrics.Buckets(s.cfg.LatencyThresholds...))

	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /readyz", s.readyz)
	mux.Handle("GET /metrics", metrics.Handler(reg))
	ff, err := newFeatureFlags(s.cfg, reg, logger)
	if err != nil {
		return nil, err
	}
	store := orders.NewStore(pool)
	orderMetrics := orders.NewMetrics(reg, store)
	orders.Register(mux, store, orderMetrics, ff, logger)

	// Logging outside: it sets the request ID every inner log line needs.
	// Metrics next, handing the mux the same request, so that both read the
	// pattern the mux matched.
	s.handler = logging.Middleware(logger)(httpMetrics.Middleware(mux))
	if s.cfg.PartnersFile != "" {
		auth, err := partners.New(partners.Config{
			PartnersFile: s.cfg.PartnersFile, KeysFile: s.cfg.PartnerKeysFile, Refresh: s.cfg.PartnersRefresh,
		}, logger, reg)
		if err != nil {
			return nil, err
		}
		orders.RegisterPartner(mux, store, orderMetrics, ff, logger, auth)
		// Outermost, so that the access line, too, names the partner.
		s.handler = partners.Track(s.handler)
	}
	return s, nil
}

// NewLogger is the service's logger: JSON lines on w, each with the
// request_id of the request it was logged for and, on partner routes, its
// partner and key_id.
func NewLogger(w io.Writer, level slog.Leveler) *slog.Logger {
	return slog.New(logging.NewHandler(partners.LogHandler(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level}))))
}

// Handler is the whole service as one handler.
func (s *Server) Handler() http.Handler { return s.handler }

// healthz says the process is alive and serving. It does not touch the
// database: a liveness probe that fails when the database does would restart
// every replica at once and cure nothing.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte("ok\n"))
}

// readyz says whether this replica can serve orders now, that is whether the
// database answers in time, so that traffic goes elsewhere while it does not.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), s.cfg.ReadyTimeout)
	defer cancel()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if err := s.pool.Ping(ctx); err != nil {
		s.log.WarnContext(r.Context(), "not ready: database ping failed", "error", err)
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte("database unavailable\n"))
		return
	}
	w.Write([]byte("ok\n"))
}

// Serve serves on ln until ctx is done, then stops accepting connections and
// waits up to the shutdown timeout for requests in flight to finish. It
// returns nil after a clean drain.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	s.log.Info("shutting down: draining requests in flight", "timeout", s.cfg.ShutdownTimeout.String())
	drain, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
	defer cancel()
	err := srv.Shutdown(drain)
	if serr := <-served; !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, serr)
	}
	if err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

// Run is the whole life of the service: connect, migrate, serve until ctx is
// done, drain, disconnect.
func Run(ctx context.Context, cfg Config, logger *slog.Logger) error {
	cfg = cfg.withDefaults()
	pc, err := database.PoolConfig(ctx, cfg.Database)
	if err != nil {
		return fmt.Errorf("database: %w", err)
	}
	pool, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		return fmt.Errorf("database: %w", err)
	}
	defer pool.Close()
	if err := orders.Migrate(ctx, pool); err != nil {
		return fmt.Errorf("database: %w", err)
	}
	if cfg.DemoData {
		n, err := orders.SeedDemo(ctx, pool)
		if err != nil {
			return fmt.Errorf("database: %w", err)
		}
		logger.Info("demo data", "orders_inserted", n, "orders", len(orders.DemoOrders))
	}
	ln, err := net.Listen("tcp", net.JoinHostPort("", strconv.Itoa(cfg.Port)))
	if err != nil {
		return err
	}
	s, err := New(pool, logger, cfg)
	if err != nil {
		ln.Close()
		return err
	}
	logger.Info("serving", "addr", ln.Addr().String())
	return s.Serve(ctx, ln)
}
