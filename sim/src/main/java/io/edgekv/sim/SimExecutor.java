package io.edgekv.sim;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Delayed;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.Future;

/**
 * A {@link ScheduledExecutorService} whose tasks run on the simulation's loop, at simulated
 * times: what production code that takes an executor (the shipper) gets in a simulation. One per
 * PoP process: {@link #shutdownNow} (a crash) drops every task it has not run yet.
 *
 * <p>Blocking waits ({@code get}, {@code awaitTermination}, {@code invokeAll}) are refused: on the
 * one simulation thread they could only deadlock.
 */
final class SimExecutor extends AbstractExecutorService implements ScheduledExecutorService {
  private final SimLoop loop;
  private boolean shutdown;

  SimExecutor(SimLoop loop) {
    this.loop = loop;
  }

  @Override
  public void execute(Runnable command) {
    if (!shutdown) {
      loop.after(0, () -> {
        if (!shutdown) {
          command.run();
        }
      });
    }
  }

  @Override
  public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
    return schedule(() -> {
      command.run();
      return null;
    }, delay, unit);
  }

  @Override
  public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
    Task<V> task = new Task<>(loop.now() + unit.toMillis(delay));
    loop.after(unit.toMillis(delay), () -> task.runOnce(callable));
    return task;
  }

  @Override
  public ScheduledFuture<?> scheduleAtFixedRate(Runnable command, long initialDelay, long period, TimeUnit unit) {
    return repeat(command, unit.toMillis(initialDelay), unit.toMillis(period));
  }

  @Override
  public ScheduledFuture<?> scheduleWithFixedDelay(Runnable command, long initialDelay, long delay, TimeUnit unit) {
    // Tasks take no simulated time, so a fixed delay and a fixed rate are the same schedule.
    return repeat(command, unit.toMillis(initialDelay), unit.toMillis(delay));
  }

  private ScheduledFuture<?> repeat(Runnable command, long first, long period) {
    if (period <= 0) {
      throw new IllegalArgumentException("period must be positive, was " + period);
    }
    Task<Object> task = new Task<>(loop.now() + first);
    Runnable[] tick = new Runnable[1];
    tick[0] = () -> {
      if (shutdown || task.isDone()) {
        return;
      }
      command.run();
      task.nextAt = loop.now() + period;
      loop.after(period, tick[0]);
    };
    loop.after(first, tick[0]);
    return task;
  }

  @Override
  public void shutdown() {
    shutdown = true;
  }

  @Override
  public List<Runnable> shutdownNow() {
    shutdown = true;
    return new ArrayList<>();
  }

  @Override
  public boolean isShutdown() {
    return shutdown;
  }

  @Override
  public boolean isTerminated() {
    return shutdown;
  }

  @Override
  public boolean awaitTermination(long timeout, TimeUnit unit) {
    throw blocking();
  }

  @Override
  public <T> List<Future<T>> invokeAll(Collection<? extends Callable<T>> tasks) {
    throw blocking();
  }

  @Override
  public <T> T invokeAny(Collection<? extends Callable<T>> tasks) {
    throw blocking();
  }

  private static UnsupportedOperationException blocking() {
    return new UnsupportedOperationException("a simulation runs on one thread: nothing may block on it");
  }

  /** A scheduled task: cancellable, done when run (or cancelled), never waited for. */
  private final class Task<V> extends CompletableFuture<V> implements ScheduledFuture<V> {
    long nextAt;

    Task(long at) {
      this.nextAt = at;
    }

    void runOnce(Callable<V> callable) {
      if (shutdown || isDone()) {
        return;
      }
      try {
        complete(callable.call());
      } catch (Exception e) {
        completeExceptionally(e);
      }
    }

    @Override
    public long getDelay(TimeUnit unit) {
      return unit.convert(nextAt - loop.now(), TimeUnit.MILLISECONDS);
    }

    @Override
    public int compareTo(Delayed other) {
      return Long.compare(getDelay(TimeUnit.MILLISECONDS), other.getDelay(TimeUnit.MILLISECONDS));
    }

    @Override
    public V get() throws InterruptedException, ExecutionException {
      if (!isDone()) {
        throw blocking();
      }
      return super.get();
    }

    @Override
    public V get(long timeout, TimeUnit unit) throws InterruptedException, ExecutionException, TimeoutException {
      return get();
    }
  }
}
