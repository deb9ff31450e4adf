package dev.grpcbalancer.dataplane;

import static dev.grpcbalancer.testing.FreePorts.accepting;
import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcbalancer.snapshot.BackendSet;
import dev.grpcbalancer.snapshot.BalancerConfig;
import dev.grpcbalancer.snapshot.BalancerId;
import dev.grpcbalancer.snapshot.LoadBalancingPolicy;
import dev.grpcbalancer.snapshot.RoutingSnapshot;
import dev.grpcbalancer.testing.Await;
import dev.grpcbalancer.testing.FreePorts;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Listeners coming and going while binds complete on the event loops. With one event loop every
 * server channel shares it, so code that waits for a listener's port to close while the loop
 * waits for that code (a lock, a monitor) hangs the data plane for good. A hang is detected with a
 * bounded wait and reported with a thread dump.
 */
class ListenerChurnTest {

    private static final String HOST = "127.0.0.1";
    private static final int BALANCERS = 16;
    private static final int ROUNDS = 40;
    /** Far more than 40 publishes of 16 listeners need; reached only when something hangs. */
    private static final Duration HANG = Duration.ofSeconds(30);
    private static final Duration WAIT = Duration.ofSeconds(20);

    private DataPlane dataPlane;
    private boolean hung;

    @AfterEach
    void stop() throws InterruptedException {
        if (dataPlane == null || hung) {
            return; // a hung data plane cannot close; its threads are daemons and die with the JVM
        }
        Thread closing = new Thread(dataPlane::close, "listener-churn-close");
        closing.setDaemon(true);
        closing.start();
        closing.join(HANG.toMillis());
        assertThat(closing.isAlive()).as("close() returned").isFalse();
    }

    @Test
    void publishesThatMoveBalancersBetweenPortsWhileBindsCompleteNeverHang() throws Exception {
        dataPlane = new DataPlane(DataPlaneSettings.defaults().withBindAddress(HOST).withIoThreads(1)
                .withDrainTimeout(Duration.ofSeconds(1)));
        List<Integer> ports = distinctFreePorts(2 * BALANCERS);
        RoutingSnapshot onLeft = snapshot(ports.subList(0, BALANCERS));
        RoutingSnapshot onRight = snapshot(ports.subList(BALANCERS, 2 * BALANCERS));

        // Each publish moves every balancer while the binds the previous one asked for complete.
        CompletableFuture<Void> churn = new CompletableFuture<>();
        Thread publisher = new Thread(() -> {
            try {
                for (int round = 0; round < ROUNDS; round++) {
                    dataPlane.publish(round % 2 == 0 ? onLeft : onRight);
                }
                churn.complete(null);
            } catch (Throwable t) {
                churn.completeExceptionally(t);
            }
        }, "listener-churn-publisher");
        publisher.setDaemon(true);
        publisher.start();
        awaitWithoutHanging(churn, ROUNDS + " publishes");

        RoutingSnapshot last = ROUNDS % 2 == 0 ? onRight : onLeft;
        RoutingSnapshot other = last == onRight ? onLeft : onRight;
        Await.until(WAIT, dataPlane::isReady, dataPlane::notReadyReason);
        for (BalancerConfig balancer : last.balancers()) {
            assertThat(accepting(HOST, balancer.listenerPort())).as("%s accepting on %d", balancer.id(), balancer.listenerPort())
                    .isTrue();
        }
        for (BalancerConfig balancer : other.balancers()) {
            Await.until(WAIT, () -> !accepting(HOST, balancer.listenerPort()),
                    () -> "port " + balancer.listenerPort() + " left by " + balancer.id() + " closed");
        }
    }

    private void awaitWithoutHanging(CompletableFuture<Void> work, String what) throws InterruptedException {
        try {
            work.get(HANG.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            hung = true;
            throw new AssertionError(what + " did not finish within " + HANG + ": the data plane hangs.\n" + threadDump());
        } catch (ExecutionException e) {
            throw new AssertionError(what + " failed", e.getCause());
        }
    }

    private static RoutingSnapshot snapshot(List<Integer> ports) {
        List<BalancerConfig> balancers = new ArrayList<>();
        for (int i = 0; i < ports.size(); i++) {
            balancers.add(new BalancerConfig(new BalancerId("churn", "b" + i), 1, ports.get(i),
                    LoadBalancingPolicy.RoundRobin, BackendSet.EMPTY));
        }
        return new RoutingSnapshot(balancers);
    }

    private static List<Integer> distinctFreePorts(int count) {
        Set<Integer> ports = new LinkedHashSet<>();
        while (ports.size() < count) {
            ports.add(FreePorts.freeLoopbackPort());
        }
        return List.copyOf(ports);
    }

    /** Every thread with its full stack and the monitors and locks it holds or waits for. */
    private static String threadDump() {
        StringBuilder dump = new StringBuilder();
        for (ThreadInfo thread : ManagementFactory.getThreadMXBean().dumpAllThreads(true, true)) {
            dump.append('"').append(thread.getThreadName()).append("\" ").append(thread.getThreadState());
            if (thread.getLockName() != null) {
                dump.append(" on ").append(thread.getLockName());
            }
            if (thread.getLockOwnerName() != null) {
                dump.append(" owned by \"").append(thread.getLockOwnerName()).append('"');
            }
            dump.append('\n');
            StackTraceElement[] stack = thread.getStackTrace();
            for (int i = 0; i < stack.length; i++) {
                dump.append("    at ").append(stack[i]).append('\n');
                for (var monitor : thread.getLockedMonitors()) {
                    if (monitor.getLockedStackDepth() == i) {
                        dump.append("    - locked ").append(monitor).append('\n');
                    }
                }
            }
            dump.append('\n');
        }
        return dump.toString();
    }
}
