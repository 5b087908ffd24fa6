package io.edgekv.sim;

import java.util.ArrayList;
import java.util.List;

/**
 * Where the simulated regions are, and the network delay between them: one-way delay from the
 * great-circle distance between real cities (light in fibre covers about 200 km per millisecond,
 * and routes run about 1.5 times the straight line), which gives round trips close to measured
 * inter-city ones (Frankfurt-Virginia ~ 90 ms, Frankfurt-Sydney ~ 290 ms).
 */
final class Geography {
  record City(String name, double lat, double lon) {}

  private static final List<City> CITIES = List.of(
      new City("fra", 50.11, 8.68), new City("iad", 38.95, -77.45), new City("sin", 1.35, 103.99),
      new City("syd", -33.87, 151.21), new City("gru", -23.55, -46.63), new City("nrt", 35.76, 140.39),
      new City("lhr", 51.47, -0.45), new City("sfo", 37.62, -122.38), new City("bom", 19.09, 72.87),
      new City("jnb", -26.14, 28.24), new City("ams", 52.31, 4.76), new City("cdg", 49.01, 2.55),
      new City("ord", 41.97, -87.91), new City("dfw", 32.90, -97.04), new City("sea", 47.45, -122.31),
      new City("yyz", 43.68, -79.63), new City("mex", 19.44, -99.07), new City("scl", -33.39, -70.79),
      new City("bog", 4.70, -74.15), new City("mad", 40.47, -3.56), new City("mxp", 45.63, 8.72),
      new City("arn", 59.65, 17.92), new City("waw", 52.17, 20.97), new City("ist", 41.26, 28.74),
      new City("dxb", 25.25, 55.36), new City("del", 28.56, 77.10), new City("hkg", 22.31, 113.91),
      new City("icn", 37.46, 126.44), new City("kix", 34.43, 135.23), new City("mnl", 14.51, 121.02),
      new City("cgk", -6.13, 106.66), new City("per", -31.94, 115.97), new City("akl", -37.01, 174.79),
      new City("los", 6.58, 3.32), new City("nbo", -1.32, 36.93), new City("cai", 30.12, 31.41),
      new City("atl", 33.64, -84.43), new City("den", 39.86, -104.67), new City("mia", 25.80, -80.29),
      new City("hel", 60.32, 24.96), new City("dub", 53.43, -6.27), new City("vie", 48.11, 16.57),
      new City("tlv", 32.01, 34.89), new City("kul", 2.75, 101.71), new City("bkk", 13.69, 100.75),
      new City("pvg", 31.14, 121.81), new City("yvr", 49.19, -123.18), new City("lim", -12.02, -77.11));

  private final List<City> regions = new ArrayList<>();
  private final double[][] oneWay;

  Geography(int count) {
    for (int i = 0; i < count; i++) {
      City c = CITIES.get(i % CITIES.size());
      // Past the list, cities repeat under new names: a second region in the same metro area.
      regions.add(i < CITIES.size() ? c : new City(c.name() + (i / CITIES.size() + 1), c.lat(), c.lon()));
    }
    oneWay = new double[count][count];
    for (int a = 0; a < count; a++) {
      for (int b = 0; b < count; b++) {
        oneWay[a][b] = a == b ? 0.5 : Math.max(1, 2 + distanceKm(regions.get(a), regions.get(b)) * 1.5 / 200);
      }
    }
  }

  List<String> names() {
    return regions.stream().map(City::name).toList();
  }

  /** Typical one-way delay between two regions, in milliseconds (at least 1). */
  double oneWayMillis(int a, int b) {
    return oneWay[a][b];
  }

  private static double distanceKm(City a, City b) {
    double p1 = Math.toRadians(a.lat());
    double p2 = Math.toRadians(b.lat());
    double dp = p2 - p1;
    double dl = Math.toRadians(b.lon() - a.lon());
    double h = Math.sin(dp / 2) * Math.sin(dp / 2) + Math.cos(p1) * Math.cos(p2) * Math.sin(dl / 2) * Math.sin(dl / 2);
    return 2 * 6371 * Math.asin(Math.min(1, Math.sqrt(h)));
  }
}
