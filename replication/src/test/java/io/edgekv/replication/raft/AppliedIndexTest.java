package io.edgekv.replication.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class AppliedIndexTest {
  @Test
  void aWaiterIsForgottenAtItsDeadlineAndAnswersWithTheLowerIndex() throws Exception {
    AppliedIndex index = new AppliedIndex();
    index.advanceTo(5);
    var waiting = index.await(1L << 62, 1, TimeUnit.HOURS);
    assertEquals(1, index.waiting());
    var far = index.await(1L << 61, 50, TimeUnit.MILLISECONDS);
    assertEquals(5L, far.get(5, TimeUnit.SECONDS));
    assertEquals(1, index.waiting(), "only the waiter whose deadline has not come is left");
    waiting.cancel(false);
  }

  @Test
  void aWaiterCompletesWhenTheIndexIsReached() throws Exception {
    AppliedIndex index = new AppliedIndex();
    var waiting = index.await(3, 10, TimeUnit.SECONDS);
    index.advanceTo(2);
    assertEquals(1, index.waiting());
    index.advanceTo(4);
    assertEquals(4L, waiting.get(5, TimeUnit.SECONDS));
    assertEquals(0, index.waiting());
    assertEquals(4L, index.await(1, 1, TimeUnit.MILLISECONDS).get());
  }
}
