package dev.grpcbalancer.admin;

/**
 * One GET endpoint of the admin server. Called on an event loop: it must answer from memory and
 * never block (no I/O, no locks held by slow code, no waiting on futures).
 */
@FunctionalInterface
interface AdminRoute {

    AdminResponse get();
}
