package io.edgekv.chaos.checker;

import java.util.Arrays;

/** Tarjan's strongly connected components, iterative (histories are long; no deep recursion). */
final class Tarjan {
  private Tarjan() {}

  /**
   * @param successors per node, the nodes its edges lead to
   * @return the component number of each node
   */
  static int[] components(int[][] successors) {
    int size = successors.length;
    int[] index = new int[size];
    int[] low = new int[size];
    int[] comp = new int[size];
    boolean[] onStack = new boolean[size];
    Arrays.fill(index, -1);
    int[] stack = new int[size];
    int sp = 0;
    int[] callNode = new int[size];
    int[] callEdge = new int[size];
    int next = 0;
    int components = 0;
    for (int root = 0; root < size; root++) {
      if (index[root] >= 0) {
        continue;
      }
      int depth = 0;
      callNode[0] = root;
      callEdge[0] = 0;
      index[root] = low[root] = next++;
      stack[sp++] = root;
      onStack[root] = true;
      while (depth >= 0) {
        int v = callNode[depth];
        int[] edges = successors[v];
        if (callEdge[depth] < edges.length) {
          int w = edges[callEdge[depth]++];
          if (index[w] < 0) {
            index[w] = low[w] = next++;
            stack[sp++] = w;
            onStack[w] = true;
            depth++;
            callNode[depth] = w;
            callEdge[depth] = 0;
          } else if (onStack[w]) {
            low[v] = Math.min(low[v], index[w]);
          }
          continue;
        }
        if (low[v] == index[v]) {
          int w;
          do {
            w = stack[--sp];
            onStack[w] = false;
            comp[w] = components;
          } while (w != v);
          components++;
        }
        depth--;
        if (depth >= 0) {
          int parent = callNode[depth];
          low[parent] = Math.min(low[parent], low[v]);
        }
      }
    }
    return comp;
  }

}
