package rasad.analysis;

import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.ar.ArabicStemFilter;
import org.elasticsearch.plugin.NamedComponent;
import org.elasticsearch.plugin.analysis.TokenFilterFactory;

/** Light stemming: definite article and prefixed conjunctions, plural and feminine suffixes. */
@NamedComponent("arabic_stem")
public class ArabicStemFilterFactory implements TokenFilterFactory {
    @Override
    public TokenStream create(TokenStream tokenStream) {
        return new ArabicStemFilter(tokenStream);
    }
}
